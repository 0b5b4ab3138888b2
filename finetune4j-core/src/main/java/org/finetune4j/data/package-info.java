/**
 * Data for fine-tuning: table readers, labelled text classification data, tokenized examples,
 * batches and the per-epoch order of examples.
 *
 * <p>Readers ({@link org.finetune4j.data.TableFormat}, by extension) stream a file once as strict
 * UTF-8 and hand each row with its 1-based line to a {@link org.finetune4j.data.RowSink}. Problems
 * of the whole file throw at once; a malformed row (wrong field count, a JSON line that is not an
 * object, a missing or non-scalar value, an empty text or label) throws, or with
 * {@code skip_bad_rows} is skipped and counted. A wrong column name (absent from the first row),
 * an unknown label in validation data and broken JSON documents are never skipped.
 *
 * <p>{@link org.finetune4j.data.TextClassificationData} is read once from the training file, which
 * fixes the {@link org.finetune4j.data.LabelMap}; validation data maps through it. Without a
 * validation file, {@code split(ratio, seed)} takes {@code ceil(ratio * n)} rows by a seeded
 * Fisher-Yates permutation. {@link org.finetune4j.data.Examples} holds the tokenized rows unpadded;
 * {@link org.finetune4j.data.Sampler} gives each epoch's batches of indices (resumable at any
 * batch), and {@link org.finetune4j.data.Examples#batch} pads one batch to its own longest row.
 */
package org.finetune4j.data;
