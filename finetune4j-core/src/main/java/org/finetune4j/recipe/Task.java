package org.finetune4j.recipe;

import java.util.List;
import java.util.function.Function;
import org.finetune4j.train.Trainer;

/**
 * What a recipe trains ({@code task:}): each task is one record that reads its own {@code data} block and builds
 * its Trainer job from a {@link JobContext}, which does the set-up every task shares (model folder, tokenizer,
 * config, pad id, length check, the model with its head) once.
 *
 * <p>Adding a task is writing one record that implements this interface with a {@link Kind} (its name and the
 * reader of its block) and listing that kind in {@link #BUILT_IN}. A task defined outside this package (a library
 * user's, or a test's) implements {@link Custom} and is handed to {@link Recipe#load(java.nio.file.Path, List, List)}.
 */
public sealed interface Task permits SequenceClassification, TokenClassification, QuestionAnswering, LanguageModeling,
        Instruction, Multitask, Task.Custom {

    /** The name a recipe gives under {@code task:}. */
    String name();

    /** The Trainer job: data, model with its head, evaluation. */
    Trainer.Job job(JobContext c);

    /**
     * Whether its batches may pack several examples a row ({@code data.packing}, then on by default:
     * {@link org.finetune4j.data.Packing}), as every built-in task's do. A task that does not (one defined outside
     * this package, unless it says so) pads every example to its batch's longest row, and the recipe refuses
     * {@code data.packing: true} for it.
     */
    default boolean packs() {
        return false;
    }

    /** A task's name and the reader of its {@code data} block. */
    record Kind(String name, Function<Node, Task> read) {}

    /** The tasks a recipe may name, in the order {@code --help} and errors list them. */
    List<Kind> BUILT_IN = List.of(SequenceClassification.KIND, Instruction.KIND, TokenClassification.KIND,
            QuestionAnswering.KIND, LanguageModeling.MLM, LanguageModeling.PRETRAINING, LanguageModeling.CLM, Multitask.KIND);

    /** A task defined outside this package. */
    non-sealed interface Custom extends Task {}
}
