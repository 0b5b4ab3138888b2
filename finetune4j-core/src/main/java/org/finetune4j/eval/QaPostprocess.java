package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.finetune4j.data.QaExamples;
import org.finetune4j.data.QaFeatures;

/**
 * Start and end logits of every feature turned into one answer per question, as Transformers'
 * postprocess_qa_predictions (SQuAD v1): for each window, the n_best start and the n_best end
 * positions; spans that leave the context, end before they start or are longer than
 * max_answer_length tokens are dropped; the best start + end logit over all windows of the
 * question wins; its text is the context's characters between the tokens' offsets.
 */
public final class QaPostprocess {

    private QaPostprocess() {}

    /** A candidate answer: its text, character span in the context and score (start + end logit). */
    public record Answer(String text, int start, int end, double score, double probability) {}

    /** The best answer of each question (by id, in file order); "" when no span qualifies (as "empty" upstream). */
    public static Map<String, Answer> best(QaFeatures features, float[][] startLogits, float[][] endLogits,
            int nBest, int maxAnswerLength) {
        QaExamples data = features.examples();
        List<List<Integer>> byExample = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            byExample.add(new ArrayList<>());
        }
        for (int f = 0; f < features.size(); f++) {
            byExample.get(features.example()[f]).add(f);
        }
        Map<String, Answer> out = new LinkedHashMap<>();
        for (int i = 0; i < data.size(); i++) {
            if (byExample.get(i).isEmpty()) {
                continue;
            }
            out.put(data.examples().get(i).id(), answer(features, data.examples().get(i).context(), byExample.get(i),
                    startLogits, endLogits, nBest, maxAnswerLength));
        }
        return out;
    }

    private static Answer answer(QaFeatures features, String context, List<Integer> feats, float[][] startLogits,
            float[][] endLogits, int nBest, int maxAnswerLength) {
        List<Answer> candidates = new ArrayList<>();
        for (int f : feats) {
            int[] os = features.offsetStart()[f];
            int[] oe = features.offsetEnd()[f];
            float[] s = startLogits[f];
            float[] e = endLogits[f];
            for (int a : top(s, nBest)) {
                for (int b : top(e, nBest)) {
                    if (os[a] < 0 || oe[b] < 0 || b < a || b - a + 1 > maxAnswerLength) {
                        continue;
                    }
                    candidates.add(new Answer(null, os[a], oe[b], (double) s[a] + e[b], 0));
                }
            }
        }
        candidates.sort(Comparator.comparingDouble(Answer::score).reversed());
        if (candidates.isEmpty()) {
            return new Answer("", 0, 0, 0, 0);
        }
        List<Answer> kept = candidates.subList(0, Math.min(nBest, candidates.size()));
        double max = kept.get(0).score();
        double sum = 0;
        for (Answer c : kept) {
            sum += Math.exp(c.score() - max);
        }
        Answer bestOne = kept.get(0);
        return new Answer(context.substring(bestOne.start(), bestOne.end()), bestOne.start(), bestOne.end(), bestOne.score(),
                1 / sum);
    }

    /** Indices of the {@code n} largest values, largest first (ties: the later index first, as numpy's argsort reversed). */
    static int[] top(float[] v, int n) {
        Integer[] idx = new Integer[v.length];
        for (int i = 0; i < v.length; i++) {
            idx[i] = i;
        }
        java.util.Arrays.sort(idx, (x, y) -> v[x] != v[y] ? Float.compare(v[y], v[x]) : Integer.compare(y, x));
        int k = Math.min(n, v.length);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = idx[i];
        }
        return out;
    }
}
