package org.finetune4j.recipe;

import java.util.Arrays;
import org.finetune4j.Finetune4jException;
import org.finetune4j.train.Trainer;
import org.finetune4j.train.TrainingArguments;

/**
 * {@code data.max_tokens_per_batch}: a training batch is as many examples as fit that many real tokens
 * ({@link org.finetune4j.data.Sampler#tokenBudget}), packed into rows as long as the longest example, instead
 * of per_device_train_batch_size examples. Packed batches only (a padded batch's cost is its rows times its
 * longest row, not its tokens); a budget below the longest example is refused, as that example could never
 * be trained; so is {@code training.group_by_length} (packed rows carry no padding for it to save, and the
 * batches are cut once for the run, see the sampler).
 */
final class TokenBudget {

    static final String KEY = "max_tokens_per_batch";

    private TokenBudget() {}

    /** The key's value in the data block {@code d}, null when absent (read before the task's reader, which may close the block). */
    static Integer asked(Node d) {
        return d.raw(KEY) == null ? null : d.integer(KEY, 0);
    }

    /** The budget the data block {@code d} asks for ({@code asked}: {@link #asked}), 0 for none. */
    static int read(Node d, Integer asked, boolean packing, Task task) {
        if (asked == null) {
            return 0;
        }
        if (asked <= 0) {
            throw d.error(KEY, "must be a positive number of tokens, got " + asked);
        }
        if (!packing) {
            throw d.error(KEY, "needs data.packing: true (a budget of real tokens counts packed batches; padded ones cost their pads)");
        }
        if (task instanceof Multitask) {
            throw d.error(KEY, "is not supported by task multitask (each batch is drawn from one member's rows)");
        }
        return asked;
    }

    /** Refuses training.group_by_length with a budget. */
    static void checkTraining(Node d, int budget, TrainingArguments training) {
        if (budget > 0 && training.groupByLength()) {
            throw d.error(KEY, "does not go with training.group_by_length (packed rows have no padding to save); remove one of them");
        }
    }

    /** {@code job} with batches of {@code budget} tokens (0: as it is); refused when its longest example is longer. */
    static Trainer.Job apply(Trainer.Job job, int budget, String file) {
        if (budget == 0) {
            return job;
        }
        int longest = Arrays.stream(job.train().lengths()).max().orElse(0);
        if (longest > budget) {
            throw new Finetune4jException(file + ": data." + KEY + " " + budget + " is less than the longest training example ("
                    + longest + " tokens), which no batch could hold; give at least " + longest);
        }
        return job.withTokenBudget(budget);
    }
}
