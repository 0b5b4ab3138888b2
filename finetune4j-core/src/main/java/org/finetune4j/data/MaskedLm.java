package org.finetune4j.data;

import java.util.SplittableRandom;

/**
 * Masked-language-model masking as Transformers' DataCollatorForLanguageModeling does it: every
 * candidate token (not special, not padding) is chosen with probability {@code probability}; of the
 * chosen, 80% become the mask token, 10% a random token of the vocabulary, 10% stay; labels hold
 * the original id at chosen positions and -100 everywhere else. With whole-word masking the choice
 * is made per word (every piece of a chosen word is chosen, the 80/10/10 split stays per token).
 * The randomness comes from one {@link SplittableRandom}, so a batch's masking is a function of its
 * seed (statistically, not bit-for-bit, the same as torch's).
 */
public final class MaskedLm {

    /** Masked inputs, their labels, and how many positions were chosen. */
    public record Masked(long[][] inputIds, long[][] labels, long chosen) {}

    private MaskedLm() {}

    /**
     * Masks {@code ids} (not modified). {@code candidate[r][t]} says whether a position may be
     * chosen; {@code words} (nullable: token-level masking) gives each candidate position its word
     * number within the row, pieces of one word sharing it.
     */
    public static Masked mask(long[][] ids, boolean[][] candidate, int[][] words, double probability, long maskId,
            int vocabSize, SplittableRandom rng) {
        long[][] in = new long[ids.length][];
        long[][] labels = new long[ids.length][];
        long chosen = 0;
        for (int r = 0; r < ids.length; r++) {
            int t = ids[r].length;
            in[r] = ids[r].clone();
            labels[r] = new long[t];
            java.util.Arrays.fill(labels[r], -100L);
            int lastWord = Integer.MIN_VALUE;
            boolean wordChosen = false;
            for (int i = 0; i < t; i++) {
                if (!candidate[r][i]) {
                    continue;
                }
                boolean pick;
                if (words == null) {
                    pick = rng.nextDouble() < probability;
                } else {
                    if (words[r][i] != lastWord) {
                        lastWord = words[r][i];
                        wordChosen = rng.nextDouble() < probability;
                    }
                    pick = wordChosen;
                }
                if (!pick) {
                    continue;
                }
                chosen++;
                labels[r][i] = ids[r][i];
                double u = rng.nextDouble();
                if (u < 0.8) {
                    in[r][i] = maskId;
                } else if (u < 0.9) {
                    in[r][i] = rng.nextInt(vocabSize);
                }
            }
        }
        return new Masked(in, labels, chosen);
    }

    /**
     * Word numbers for whole-word masking from the token strings: a WordPiece piece starting with
     * {@code ##} continues the word before it; with byte-level BPE or SentencePiece a token that does
     * not start with the space marker ({@code Ġ} or {@code ▁}) continues it. Special tokens get -1
     * and end the word.
     */
    public static int[] words(String[] tokens, boolean[] special, boolean wordPiece) {
        int[] w = new int[tokens.length];
        int word = -1;
        boolean prevSpecial = true;
        for (int i = 0; i < tokens.length; i++) {
            if (special[i]) {
                w[i] = -1;
                prevSpecial = true;
                continue;
            }
            String tok = tokens[i];
            boolean continues = wordPiece ? tok.startsWith("##")
                    : !(tok.startsWith("\u0120") || tok.startsWith("\u2581"));
            if (prevSpecial || !continues || word < 0) {
                word++;
            }
            w[i] = word;
            prevSpecial = false;
        }
        return w;
    }
}
