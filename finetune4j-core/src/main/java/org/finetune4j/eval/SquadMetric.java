package org.finetune4j.eval;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.finetune4j.data.QaExamples;

/**
 * The official SQuAD v1.1 evaluation: answers normalised (lower case, ASCII punctuation removed,
 * the articles a/an/the removed, whitespace collapsed), exact match and token-bag F1 against each
 * gold answer, the best of them per question, averaged over all questions (an unanswered one scores
 * 0) and reported in percent.
 */
public final class SquadMetric {

    private SquadMetric() {}

    private static final String PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
    private static final Pattern ARTICLES = Pattern.compile("\\b(a|an|the)\\b", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern SPACES = Pattern.compile("\\s+", Pattern.UNICODE_CHARACTER_CLASS);

    /** The official script's normalize_answer. */
    public static String normalize(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        StringBuilder b = new StringBuilder(lower.length());
        lower.codePoints().filter(c -> c > 127 || PUNCTUATION.indexOf(c) < 0).forEach(b::appendCodePoint);
        String noArticles = ARTICLES.matcher(b).replaceAll(" ");
        return String.join(" ", tokens(noArticles));
    }

    private static List<String> tokens(String s) {
        String t = s.strip();
        return t.isEmpty() ? List.of() : List.of(SPACES.split(t));
    }

    /** 1 when the normalised texts are equal, else 0. */
    public static double exactMatch(String prediction, String gold) {
        return normalize(prediction).equals(normalize(gold)) ? 1 : 0;
    }

    /** F1 over the bags of normalised tokens (0 when none is shared). */
    public static double f1(String prediction, String gold) {
        List<String> p = tokens(normalize(prediction));
        List<String> g = tokens(normalize(gold));
        Map<String, Integer> counts = new HashMap<>();
        g.forEach(t -> counts.merge(t, 1, Integer::sum));
        int same = 0;
        for (String t : p) {
            Integer c = counts.get(t);
            if (c != null && c > 0) {
                same++;
                counts.put(t, c - 1);
            }
        }
        if (same == 0) {
            return 0;
        }
        double precision = (double) same / p.size();
        double recall = (double) same / g.size();
        return 2 * precision * recall / (precision + recall);
    }

    /** exact_match and f1 (percent) of {@code predictions} (id to text) over every question of {@code data}. */
    public static Map<String, Double> score(QaExamples data, Map<String, String> predictions) {
        double em = 0;
        double f1 = 0;
        for (QaExamples.Example e : data.examples()) {
            String p = predictions.get(e.id());
            if (p == null || e.answers().isEmpty()) {
                continue;
            }
            double bestEm = 0;
            double bestF1 = 0;
            for (String g : e.answers()) {
                bestEm = Math.max(bestEm, exactMatch(p, g));
                bestF1 = Math.max(bestF1, f1(p, g));
            }
            em += bestEm;
            f1 += bestF1;
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("exact_match", 100.0 * em / data.size());
        m.put("f1", 100.0 * f1 / data.size());
        return m;
    }
}
