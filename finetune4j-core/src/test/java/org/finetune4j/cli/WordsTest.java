package org.finetune4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.finetune4j.recipe.Recipe;
import org.junit.jupiter.api.Test;

/** What a reader of --help, README.md, docs/ and examples/ meets: true, whole sentences, words they can resolve. */
class WordsTest {

    private static final List<String> COMMANDS = List.of("inspect", "tokenize", "forward", "init", "generate", "bench", "train",
            "eval", "predict", "download", "squad-eval", "forgetting", "merge", "attention", "curves", "report", "demo");
    private static final List<String> UNRESOLVABLE = List.of("the seeds", "seeds'", "reference oracle", "this machine",
            "shared/oracle", "not part of it yet", "refused until", "arrive with the");

    @Test
    void helpSummariesAreWholeSentencesAndNoLineBreaksInsideAWord() {
        String top = CliRun.of("--help").out();
        for (String c : COMMANDS) {
            String summary = top.lines().filter(l -> l.startsWith("  " + c + " ")).findFirst().orElseThrow().strip();
            assertThat(summary).as(c).endsWith(".");
            List<String> lines = CliRun.of(c, "--help").out().lines().toList();
            for (int i = 0; i + 1 < lines.size(); i++) {
                boolean cut = lines.get(i).matches(".*[A-Za-z0-9_][./]$") && lines.get(i + 1).matches("^\\s*[a-z_]+[.,;)]?( .*)?$")
                        && !lines.get(i).endsWith(". ");
                assertThat(cut).as(c + " --help breaks '" + lines.get(i) + "' | '" + lines.get(i + 1) + "'").isFalse();
            }
        }
    }

    @Test
    void trainHelpListsTheTasksAndPointsToTheRecipeReference() {
        String help = CliRun.of("train", "--help").out().replaceAll("\\s+", " ");
        assertThat(help).contains("docs/RECIPES.md").contains(Recipe.TASKS);
        assertThat(Path.of("docs/RECIPES.md")).isRegularFile();
    }

    @Test
    void noTextSpeaksOfWhatAReaderCannotResolveOrWhatIsNoLongerTrue() throws IOException {
        List<Path> files = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs")); Stream<Path> examples = Files.list(Path.of("examples"))) {
            docs.forEach(files::add);
            examples.filter(p -> p.toString().endsWith(".yaml")).forEach(files::add);
        }
        for (Path f : files) {
            assertThat(Files.readString(f)).as(f.toString()).doesNotContain(UNRESOLVABLE);
        }
        for (String c : COMMANDS) {
            assertThat(CliRun.of(c, "--help").out()).as(c).doesNotContain(UNRESOLVABLE);
        }
    }
}
