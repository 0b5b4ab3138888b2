package org.finetune4j.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.finetune4j.Finetune4jException;
import org.finetune4j.tokenize.Encoding;
import org.finetune4j.tokenize.SpecialTokens;
import org.finetune4j.tokenize.Tokenizer;

/**
 * Tokenized unlabelled text for the language-modelling objectives: {@code mlm} (masked at batch
 * time, {@link MaskedLm}), {@code pretraining} (BERT's sentence pairs, masked, with next-sentence
 * labels) and {@code clm} (labels are the inputs with pads at -100; the shift happens in the loss).
 * Rows are either one text each ({@code line_by_line}, truncated) or blocks of exactly
 * {@code block_size} tokens cut from the concatenation of all texts (run_mlm / run_clm's
 * group_texts; the remainder is dropped; for clm the EOS token ends every document; this is also
 * what TRL calls packing). {@code source[i]} says where row i starts ({@code file:line}).
 */
public final class LmData implements Dataset {

    /** The training objective. */
    public enum Objective {
        MLM, PRETRAINING, CLM;

        public boolean masked() {
            return this != CLM;
        }
    }

    /** Masking settings: probability, whole-word masking, the mask id and vocabulary size, WordPiece pieces. */
    public record Masking(double probability, boolean wholeWord, long maskId, int vocabSize, boolean wordPiece) {}

    private final Objective objective;
    private final Masking masking;
    private final long[][] ids;
    private final long[][] types;
    private final boolean[][] special;
    private final int[][] words;
    private final long[] nsp;
    private final String[] source;

    private LmData(Objective objective, Masking masking, long[][] ids, long[][] types, boolean[][] special, int[][] words,
            long[] nsp, String[] source) {
        this.objective = objective;
        this.masking = masking;
        this.ids = ids;
        this.types = types;
        this.special = special;
        this.words = words;
        this.nsp = nsp;
        this.source = source;
    }

    public Objective objective() {
        return objective;
    }

    /** Where row i comes from. */
    public String source(int i) {
        return source[i];
    }

    /** The token ids of row i (shared: do not modify). */
    public long[] ids(int i) {
        return ids[i];
    }

    /** The ids the collator never masks: the tokenizer's declared special tokens (as get_special_tokens_mask). */
    public static Set<Long> specialIds(Tokenizer tok) {
        SpecialTokens s = tok.special();
        Set<Long> out = new HashSet<>();
        for (int id : new int[] {s.pad(), s.unk(), s.bos(), s.eos(), s.cls(), s.sep(), s.mask()}) {
            if (id >= 0) {
                out.add((long) id);
            }
        }
        return out;
    }

    /** The masking of {@code tok}: its mask token is required. */
    public static Masking masking(Tokenizer tok, double probability, boolean wholeWord) {
        if (tok.special().mask() < 0) {
            throw new Finetune4jException("the tokenizer has no mask token: masked language modelling needs one "
                    + "(use task clm for a decoder)");
        }
        return new Masking(probability, wholeWord, tok.special().mask(), tok.vocabSize(),
                tok.kind().startsWith("wordpiece") || tok.tokenId("##s") >= 0);
    }

    /** One row per text, with the tokenizer's special tokens, truncated to {@code maxLength}. */
    public static LmData lineByLine(List<TextSource.Text> texts, Tokenizer tok, int maxLength, Objective objective,
            Masking masking) {
        Set<Long> specials = specialIds(tok);
        int n = texts.size();
        long[][] ids = new long[n][];
        long[][] types = new long[n][];
        boolean[][] sp = new boolean[n][];
        int[][] w = new int[n][];
        String[] src = new String[n];
        for (int i = 0; i < n; i++) {
            TextSource.Text t = texts.get(i);
            Encoding e = tok.encode(t.text(), null, maxLength, false);
            ids[i] = e.ids();
            types[i] = e.typeIds();
            sp[i] = specialMask(e.ids(), specials);
            w[i] = masking != null && masking.wholeWord() ? MaskedLm.words(e.tokens(), sp[i], masking.wordPiece()) : null;
            src[i] = t.where();
            if (ids[i].length == 0 || allTrue(sp[i]) && objective.masked()) {
                throw new Finetune4jException(t.where() + ": the text has no tokens to train on");
            }
        }
        return new LmData(objective, masking, ids, types, sp, masking != null && masking.wholeWord() ? w : null, null, src);
    }

    /**
     * The concatenation of every text (each with the tokenizer's special tokens; for clm EOS after
     * every document) cut into blocks of {@code blockSize}; the remainder is dropped.
     */
    public static LmData chunked(List<List<TextSource.Text>> docs, Tokenizer tok, int blockSize, Objective objective,
            Masking masking, long eos) {
        Set<Long> specials = specialIds(tok);
        LongList all = new LongList();
        List<String> tokens = new ArrayList<>();
        List<String> starts = new ArrayList<>();
        List<Integer> startPos = new ArrayList<>();
        for (List<TextSource.Text> doc : docs) {
            for (TextSource.Text t : doc) {
                Encoding e = tok.encode(t.text(), null, 0, false);
                startPos.add(all.size);
                starts.add(t.where());
                for (int i = 0; i < e.ids().length; i++) {
                    all.add(e.ids()[i]);
                    tokens.add(e.tokens()[i]);
                }
            }
            if (objective == Objective.CLM && eos >= 0 && (all.size == 0 || all.get(all.size - 1) != eos)) {
                all.add(eos);
                tokens.add("");
            }
        }
        int blocks = all.size / blockSize;
        if (blocks == 0) {
            throw new Finetune4jException(docs.get(0).get(0).file() + ": " + all.size + " tokens in all, fewer than one block of "
                    + "data.block_size " + blockSize);
        }
        long[][] ids = new long[blocks][];
        long[][] types = new long[blocks][];
        boolean[][] sp = new boolean[blocks][];
        int[][] w = new int[blocks][];
        String[] src = new String[blocks];
        int text = 0;
        for (int b = 0; b < blocks; b++) {
            int from = b * blockSize;
            ids[b] = Arrays.copyOfRange(all.values, from, from + blockSize);
            types[b] = new long[blockSize];
            sp[b] = specialMask(ids[b], specials);
            if (masking != null && masking.wholeWord()) {
                w[b] = MaskedLm.words(tokens.subList(from, from + blockSize).toArray(String[]::new), sp[b], masking.wordPiece());
            }
            while (text + 1 < startPos.size() && startPos.get(text + 1) <= from) {
                text++;
            }
            src[b] = starts.get(text);
        }
        return new LmData(objective, masking, ids, types, sp, masking != null && masking.wholeWord() ? w : null, null, src);
    }

    /**
     * BERT pretraining pairs, as Transformers' TextDatasetForNextSentencePrediction builds them: the
     * sentences (texts) of each document are gathered into chunks of about {@code maxLength - 3}
     * tokens, each chunk split at a random sentence into A and B; with probability
     * {@code nspProbability} (or when the chunk is one sentence) B is instead taken from a random
     * other document (label 1, and the unused sentences are put back), else B follows A (label 0).
     * The pairs are drawn once from {@code seed}.
     */
    public static LmData sentencePairs(List<List<TextSource.Text>> docs, Tokenizer tok, int maxLength, Masking masking,
            double nspProbability, long seed) {
        if (docs.size() < 2) {
            throw new Finetune4jException(docs.get(0).get(0).file() + ": next-sentence prediction needs at least 2 "
                    + "documents (a blank line ends a document in a text file)");
        }
        Set<Long> specials = specialIds(tok);
        SpecialTokens s = tok.special();
        if (s.cls() < 0 || s.sep() < 0) {
            throw new Finetune4jException("the tokenizer has no [CLS]/[SEP] tokens: task pretraining is BERT's");
        }
        List<List<long[]>> sents = new ArrayList<>();
        List<List<String>> where = new ArrayList<>();
        for (List<TextSource.Text> doc : docs) {
            List<long[]> d = new ArrayList<>();
            List<String> wd = new ArrayList<>();
            for (TextSource.Text t : doc) {
                long[] b = bare(tok.encode(t.text(), null, 0, false).ids(), specials);
                if (b.length > 0) {
                    d.add(b);
                    wd.add(t.where());
                }
            }
            sents.add(d);
            where.add(wd);
        }
        SplittableRandom rng = new SplittableRandom(seed);
        int target = maxLength - 3;
        List<long[]> outIds = new ArrayList<>();
        List<long[]> outTypes = new ArrayList<>();
        List<Long> labels = new ArrayList<>();
        List<String> src = new ArrayList<>();
        for (int di = 0; di < sents.size(); di++) {
            List<long[]> doc = sents.get(di);
            List<long[]> chunk = new ArrayList<>();
            int chunkLen = 0;
            int chunkStart = 0;
            for (int i = 0; i < doc.size(); i++) {
                if (chunk.isEmpty()) {
                    chunkStart = i;
                }
                chunk.add(doc.get(i));
                chunkLen += doc.get(i).length;
                if (i == doc.size() - 1 || chunkLen >= target) {
                    int aEnd = chunk.size() >= 2 ? 1 + rng.nextInt(chunk.size() - 1) : 1;
                    LongList a = new LongList();
                    for (int j = 0; j < aEnd; j++) {
                        a.addAll(chunk.get(j));
                    }
                    LongList b = new LongList();
                    long random;
                    if (chunk.size() == 1 || rng.nextDouble() < nspProbability) {
                        random = 1;
                        int other;
                        do {
                            other = rng.nextInt(sents.size());
                        } while (other == di || sents.get(other).isEmpty());
                        List<long[]> od = sents.get(other);
                        for (int j = rng.nextInt(od.size()); j < od.size() && b.size < target - a.size; j++) {
                            b.addAll(od.get(j));
                        }
                        i -= chunk.size() - aEnd; // put the unused sentences back
                    } else {
                        random = 0;
                        for (int j = aEnd; j < chunk.size(); j++) {
                            b.addAll(chunk.get(j));
                        }
                    }
                    while (a.size + b.size > target) {
                        LongList longer = a.size > b.size ? a : b;
                        longer.size--;
                    }
                    if (a.size > 0 && b.size > 0) {
                        int len = a.size + b.size + 3;
                        long[] row = new long[len];
                        long[] ty = new long[len];
                        row[0] = s.cls();
                        System.arraycopy(a.values, 0, row, 1, a.size);
                        row[a.size + 1] = s.sep();
                        System.arraycopy(b.values, 0, row, a.size + 2, b.size);
                        row[len - 1] = s.sep();
                        Arrays.fill(ty, a.size + 2, len, 1L);
                        outIds.add(row);
                        outTypes.add(ty);
                        labels.add(random);
                        src.add(where.get(di).get(chunkStart));
                    }
                    chunk.clear();
                    chunkLen = 0;
                }
            }
        }
        int n = outIds.size();
        if (n == 0) {
            throw new Finetune4jException(docs.get(0).get(0).file() + ": no sentence pairs could be made");
        }
        long[][] ids = outIds.toArray(long[][]::new);
        boolean[][] sp = new boolean[n][];
        for (int i = 0; i < n; i++) {
            sp[i] = specialMask(ids[i], specials);
        }
        long[] nsp = labels.stream().mapToLong(Long::longValue).toArray();
        return new LmData(Objective.PRETRAINING, masking, ids, outTypes.toArray(long[][]::new), sp, null, nsp,
                src.toArray(String[]::new));
    }

    /** The rows at {@code indices}, in that order (the arrays are shared). */
    public LmData subset(int[] indices) {
        return new LmData(objective, masking,
                Arrays.stream(indices).mapToObj(i -> ids[i]).toArray(long[][]::new),
                Arrays.stream(indices).mapToObj(i -> types[i]).toArray(long[][]::new),
                Arrays.stream(indices).mapToObj(i -> special[i]).toArray(boolean[][]::new),
                words == null ? null : Arrays.stream(indices).mapToObj(i -> words[i]).toArray(int[][]::new),
                nsp == null ? null : Arrays.stream(indices).mapToLong(i -> nsp[i]).toArray(),
                Arrays.stream(indices).mapToObj(i -> source[i]).toArray(String[]::new));
    }

    /**
     * A validation part of {@code ceil(ratio * n)} rows, the first of a permutation drawn from
     * {@code new Random(seed)} (as sequence classification splits), both parts in file order.
     */
    public LmData[] split(double ratio, long seed) {
        int n = size();
        int nv = (int) Math.ceil(ratio * n);
        if (nv >= n) {
            throw new Finetune4jException(source[0] + ": validation_split " + ratio + " of " + n + " rows leaves no training rows");
        }
        int[] perm = Sampler.permutation(n, new java.util.Random(seed));
        int[] v = Arrays.copyOfRange(perm, 0, nv);
        int[] t = Arrays.copyOfRange(perm, nv, n);
        Arrays.sort(v);
        Arrays.sort(t);
        return new LmData[] {subset(t), subset(v)};
    }

    @Override
    public int size() {
        return ids.length;
    }

    @Override
    public int[] lengths() {
        return Arrays.stream(ids).mapToInt(r -> r.length).toArray();
    }

    /**
     * The rows at {@code indices} padded to the longest; masked objectives are masked with a
     * {@link SplittableRandom} seeded with {@code seed}. Loss items: the labelled tokens (for clm
     * after the shift, as Transformers counts {@code labels[..., 1:]}).
     */
    @Override
    public Batch batch(int[] indices, long padId, long seed) {
        int longest = Padding.longest(ids, indices);
        int n = indices.length;
        long[][] in = Padding.gather(ids, indices, longest, padId);
        long[][] mask = Padding.mask(ids, indices, longest);
        long[][] ty = Padding.gather(types, indices, longest, 0);
        boolean[][] cand = new boolean[n][longest];
        int[][] w = words == null ? null : new int[n][longest];
        for (int r = 0; r < n; r++) {
            int i = indices[r];
            int t = ids[i].length;
            for (int k = 0; k < t; k++) {
                cand[r][k] = !special[i][k];
            }
            if (w != null) {
                System.arraycopy(words[i], 0, w[r], 0, t);
                Arrays.fill(w[r], t, longest, -1);
            }
        }
        if (objective == Objective.CLM) {
            long[][] labels = new long[n][longest];
            long items = 0;
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < longest; k++) {
                    labels[r][k] = mask[r][k] == 1 ? in[r][k] : -100L;
                    items += k > 0 && mask[r][k] == 1 ? 1 : 0;
                }
            }
            return Batch.tokenLabelled(in, mask, ty, labels, indices.clone(), items);
        }
        MaskedLm.Masked m = MaskedLm.mask(in, cand, w, masking.probability(), masking.maskId(), masking.vocabSize(),
                new SplittableRandom(seed));
        Batch b = Batch.tokenLabelled(m.inputIds(), mask, ty, m.labels(), indices.clone(), m.chosen());
        if (nsp != null) {
            b = b.withNextSentenceLabels(Arrays.stream(indices).mapToLong(i -> nsp[i]).toArray());
        }
        return b;
    }

    private static boolean[] specialMask(long[] ids, Set<Long> specials) {
        boolean[] m = new boolean[ids.length];
        for (int i = 0; i < ids.length; i++) {
            m[i] = specials.contains(ids[i]);
        }
        return m;
    }

    private static boolean allTrue(boolean[] a) {
        for (boolean b : a) {
            if (!b) {
                return false;
            }
        }
        return true;
    }

    /** The ids without the special tokens the tokenizer put at either end. */
    private static long[] bare(long[] ids, Set<Long> specials) {
        int from = 0;
        int to = ids.length;
        while (from < to && specials.contains(ids[from])) {
            from++;
        }
        while (to > from && specials.contains(ids[to - 1])) {
            to--;
        }
        return Arrays.copyOfRange(ids, from, to);
    }

    /** A growable long array. */
    private static final class LongList {
        long[] values = new long[1024];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }

        void addAll(long[] v) {
            for (long x : v) {
                add(x);
            }
        }

        long get(int i) {
            return values[i];
        }
    }
}
