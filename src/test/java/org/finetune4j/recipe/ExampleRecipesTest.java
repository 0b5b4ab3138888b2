package org.finetune4j.recipe;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Every recipe in examples/ reads: its keys exist, its values have the right types, its task is known. */
class ExampleRecipesTest {

    @Test
    void everyExampleRecipeParses() throws IOException {
        List<Path> recipes;
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            recipes = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertThat(recipes).hasSizeGreaterThanOrEqualTo(10);
        for (Path p : recipes) {
            Recipe r = Recipe.load(p, List.of());
            assertThat(Recipe.TASKS).as(p.toString()).contains(r.task());
        }
    }
}
