package org.finetune4j.cli;

import java.io.PrintWriter;
import org.finetune4j.Finetune4jException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

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
                ServeCommand.class,
                BenchCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                PredictCommand.class,
                DownloadCommand.class,
                SquadEvalCommand.class,
                ForgettingCommand.class,
                MergeCommand.class,
                AttentionCommand.class,
                CurvesCommand.class,
                ReportCommand.class,
                DemoCommand.class,
                ImportCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI on System.out and System.err and returns its exit code. */
    public static int run(String... args) {
        return run(null, null, args);
    }

    /** Runs the CLI writing to {@code out} and {@code err} (null: System's) and returns its exit code. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setUsageHelpWidth(120); // so that no line of --help breaks inside a file name
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (verbose(parsed)) {
                ex.printStackTrace(cmd.getErr());
            }
            Throwable io = ex instanceof java.io.UncheckedIOException u ? u.getCause() : ex;
            String message = io instanceof java.io.IOException e ? org.finetune4j.io.Text.inWords(e)
                    : ex instanceof Finetune4jException || ex.getMessage() != null ? oneLine(ex)
                    : ex.getClass().getSimpleName();
            cmd.getErr().println("error: " + message);
            return 1;
        });
        cli.setParameterExceptionHandler((ex, argv) -> { // usage errors: one "error:" line, then where to look
            CommandLine c = ex.getCommandLine();
            c.getErr().println("error: " + ex.getMessage().replace('\n', ' '));
            if (ex instanceof CommandLine.UnmatchedArgumentException u) {
                CommandLine.UnmatchedArgumentException.printSuggestions(u, c.getErr());
            }
            c.getErr().println("see: " + c.getCommandSpec().qualifiedName() + " --help");
            return 2;
        });
        if (args.length > 0 && !args[0].startsWith("-") && !cli.getSubcommands().containsKey(args[0])) {
            String near = org.finetune4j.recipe.Node.nearest(args[0], cli.getSubcommands().keySet());
            cli.getErr().println("error: unknown command '" + org.finetune4j.io.Text.printable(args[0]) + "'"
                    + (near != null ? "; did you mean " + near + "?" : "") + " (finetune4j --help lists the commands)");
            cli.getErr().flush();
            return 2;
        }
        return cli.execute(args);
    }

    /** Whether --verbose was given, before the subcommand or after it (the option is inherited). */
    private static boolean verbose(CommandLine.ParseResult parsed) {
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The message on one line; libtorch's errors keep their first line (the rest is its C++ stack). */
    private static String oneLine(Throwable ex) {
        String m = ex.getMessage();
        if (!(ex instanceof Finetune4jException)) {
            m = ex.getClass().getSimpleName() + ": " + m.lines().findFirst().orElse("");
        }
        return m.replace('\n', ' ');
    }
}
