package org.finetune4j.cli;

import org.finetune4j.Finetune4jException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Entry point: {@code finetune4j <command>}. Exit codes: 0 ok, 1 failure, 2 bad usage. */
@Command(
        name = "finetune4j",
        mixinStandardHelpOptions = true,
        version = "finetune4j 0.1.0",
        description = "Fine-tune and further-pretrain transformer language models, at parity with Hugging Face.",
        subcommands = {
                InspectCommand.class,
                TokenizeCommand.class,
                ForwardCommand.class,
                InitCommand.class,
                GenerateCommand.class,
                BenchCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                PredictCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code (used by tests too). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            boolean verbose = parsed.hasMatchedOption("--verbose");
            if (verbose) {
                ex.printStackTrace(cmd.getErr());
            }
            String message = ex instanceof Finetune4jException || ex.getMessage() != null
                    ? oneLine(ex)
                    : ex.getClass().getSimpleName();
            cmd.getErr().println("error: " + message);
            return 1;
        });
        return cli.execute(args);
    }

    private static String oneLine(Throwable ex) {
        String m = ex.getMessage();
        if (!(ex instanceof Finetune4jException)) {
            m = ex.getClass().getSimpleName() + ": " + m;
        }
        return m.replace('\n', ' ');
    }
}
