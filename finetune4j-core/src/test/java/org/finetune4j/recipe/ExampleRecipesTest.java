package org.finetune4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.finetune4j.Finetune4jException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Every recipe in examples/ reads: its keys exist, its values have the right types, its task is known,
 * and the only files it lacks in a fresh clone are those scripts/fetch-example-data.sh puts into
 * examples/assets/ or another example's output under runs/, named relative to the recipe's folder.
 */
class ExampleRecipesTest {

    private static final String MISSING = "which does not exist (a recipe's paths are relative to the folder the recipe is in)";

    @Test
    void everyExampleRecipeParsesOrNamesAFileToFetch() throws IOException {
        List<Path> recipes = recipes();
        assertThat(recipes).hasSizeGreaterThanOrEqualTo(10);
        for (Path p : recipes) {
            try {
                Recipe.load(p, List.of()); // every key, type and the task checked, or a Finetune4jException
            } catch (Finetune4jException e) {
                assertThat(e.getMessage()).as(p.toString()).contains(MISSING)
                        .containsAnyOf("names examples/assets/", "names runs/");
            }
        }
    }

    @Test
    void withTheFetchedAssetsOnlyOtherExamplesOutputsAreMissing() throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(Path.of("examples/assets/datasets")),
                "examples/assets is absent (scripts/fetch-example-data.sh fills it)");
        for (Path p : recipes()) {
            try {
                Recipe.load(p, List.of());
            } catch (Finetune4jException e) {
                assertThat(e.getMessage()).as(p.toString()).contains("names runs/", MISSING);
            }
        }
    }

    private static List<Path> recipes() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
    }
}
