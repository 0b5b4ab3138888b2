package org.finetune4j.eval;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.finetune4j.data.TagScheme;

/**
 * Entity-level precision, recall and F1 of tag sequences exactly as {@code seqeval} (1.2) computes
 * them, in its default mode (conlleval's lenient chunking: an I- without a B- starts an entity, a
 * type change ends one) and in strict mode (the scheme's start, inside and end rules; an entity
 * that does not end by them is not counted), plus token accuracy.
 */
public final class Seqeval {

    private Seqeval() {}

    /** An entity: its type and first and last token (inclusive) of sentence {@code sentence}. */
    public record Entity(int sentence, String type, int start, int end) {}

    /** Scores of one entity type or of all ({@code number}: gold entities). */
    public record Scores(double precision, double recall, double f1, long number) {}

    /** Overall (micro-averaged) scores, per-type scores (types sorted), and token accuracy. */
    public record Report(Scores overall, Map<String, Scores> perType, double accuracy) {

        /** run_ner's names with {@code prefix}: precision, recall, f1, accuracy, then TYPE_precision, ... */
        public Map<String, Double> asMap(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put(prefix + "_precision", overall.precision);
            m.put(prefix + "_recall", overall.recall);
            m.put(prefix + "_f1", overall.f1);
            m.put(prefix + "_accuracy", accuracy);
            perType.forEach((type, s) -> {
                m.put(prefix + "_" + type + "_precision", s.precision);
                m.put(prefix + "_" + type + "_recall", s.recall);
                m.put(prefix + "_" + type + "_f1", s.f1);
                m.put(prefix + "_" + type + "_number", (double) s.number);
            });
            return m;
        }
    }

    /** Scores of predicted against gold tag sequences (same shapes); {@code strict} needs {@code scheme}. */
    public static Report evaluate(List<List<String>> gold, List<List<String>> predicted, boolean strict, TagScheme scheme) {
        if (gold.size() != predicted.size()) {
            throw new IllegalArgumentException(gold.size() + " gold sequences but " + predicted.size() + " predicted");
        }
        long correct = 0;
        long tokens = 0;
        for (int i = 0; i < gold.size(); i++) {
            if (gold.get(i).size() != predicted.get(i).size()) {
                throw new IllegalArgumentException("sequence " + i + ": " + gold.get(i).size() + " gold tags but "
                        + predicted.get(i).size() + " predicted");
            }
            for (int t = 0; t < gold.get(i).size(); t++) {
                correct += gold.get(i).get(t).equals(predicted.get(i).get(t)) ? 1 : 0;
                tokens++;
            }
        }
        Set<Entity> g = entities(gold, strict, scheme);
        Set<Entity> p = entities(predicted, strict, scheme);
        TreeSet<String> types = new TreeSet<>();
        g.forEach(e -> types.add(e.type()));
        p.forEach(e -> types.add(e.type()));
        Map<String, Scores> perType = new TreeMap<>();
        long tp = 0;
        for (String type : types) {
            Set<Entity> gt = filter(g, type);
            Set<Entity> pt = filter(p, type);
            long hit = pt.stream().filter(gt::contains).count();
            tp += hit;
            perType.put(type, scores(hit, pt.size(), gt.size()));
        }
        return new Report(scores(tp, p.size(), g.size()), perType, tokens == 0 ? 0 : (double) correct / tokens);
    }

    /** The entities of each sentence, by seqeval's default rules or, when {@code strict}, by the scheme's. */
    public static Set<Entity> entities(List<List<String>> sentences, boolean strict, TagScheme scheme) {
        Set<Entity> out = new HashSet<>();
        for (int i = 0; i < sentences.size(); i++) {
            out.addAll(strict ? strict(i, sentences.get(i), scheme) : lenient(i, sentences.get(i)));
        }
        return out;
    }

    private static Scores scores(long tp, long predicted, long gold) {
        double p = predicted == 0 ? 0 : (double) tp / predicted;
        double r = gold == 0 ? 0 : (double) tp / gold;
        double denom = p + r == 0 ? 1 : p + r;
        return new Scores(p, r, 2 * p * r / denom, gold);
    }

    private static Set<Entity> filter(Set<Entity> all, String type) {
        Set<Entity> out = new HashSet<>();
        for (Entity e : all) {
            if (e.type().equals(type)) {
                out.add(e);
            }
        }
        return out;
    }

    /** seqeval's get_entities over one sentence followed by O: chunk ends and starts from (previous, current) tags. */
    public static List<Entity> lenient(int sentence, List<String> seq) {
        List<Entity> chunks = new ArrayList<>();
        char prevTag = 'O';
        String prevType = "";
        int begin = 0;
        for (int i = 0; i <= seq.size(); i++) {
            String chunk = i < seq.size() ? seq.get(i) : "O";
            char tag = chunk.charAt(0);
            String rest = chunk.substring(1);
            int dash = rest.indexOf('-');
            String type = dash >= 0 ? rest.substring(dash + 1) : rest;
            type = type.isEmpty() ? "_" : type;
            if (endOfChunk(prevTag, tag, prevType, type)) {
                chunks.add(new Entity(sentence, prevType, begin, i - 1));
            }
            if (startOfChunk(prevTag, tag, prevType, type)) {
                begin = i;
            }
            prevTag = tag;
            prevType = type;
        }
        return chunks;
    }

    private static boolean endOfChunk(char prev, char tag, String prevType, String type) {
        boolean end = prev == 'E' || prev == 'S';
        end |= (prev == 'B' || prev == 'I') && (tag == 'B' || tag == 'S' || tag == 'O');
        end |= prev != 'O' && prev != '.' && !prevType.equals(type);
        return end;
    }

    private static boolean startOfChunk(char prev, char tag, String prevType, String type) {
        boolean start = tag == 'B' || tag == 'S';
        start |= (prev == 'E' || prev == 'S' || prev == 'O') && (tag == 'E' || tag == 'I');
        start |= tag != 'O' && tag != '.' && !prevType.equals(type);
        return start;
    }

    /** A (previous prefixes, current prefixes, tag condition) rule; "*" is any prefix; cond S same, D different, A any. */
    private record Rule(String prev, String cur, char cond) {}

    private static List<Rule> rules(String spec) {
        List<Rule> out = new ArrayList<>();
        for (String r : spec.split(" ")) {
            out.add(new Rule(r.substring(0, 1), r.substring(1, 2), r.charAt(2)));
        }
        return out;
    }

    private static final Map<TagScheme, List<List<Rule>>> RULES = Map.of(
            TagScheme.IOB1, List.of(rules("OIA IID BIA IBS BBS"), rules("BIS IIS"), rules("IID IOA IBA BOA BID BBS")),
            TagScheme.IOB2, List.of(rules("*BA"), rules("BIS IIS"), rules("IOA IID IBA BOA BID BBA")),
            TagScheme.BIOES, List.of(rules("*BA *SA"), rules("BIS BES IIS IES"), rules("S*A E*A")));

    /** seqeval.scheme.Tokens.entities: an entity starts by the start rules, extends by the inside rules, counts if it ends by the end rules. */
    static List<Entity> strict(int sentence, List<String> seq, TagScheme scheme) {
        if (scheme == null) {
            throw new IllegalArgumentException("strict mode needs a tag scheme");
        }
        List<List<Rule>> r = RULES.get(scheme);
        List<String> tokens = new ArrayList<>(seq);
        tokens.add("O");
        for (String t : seq) {
            if (scheme.prefixes().indexOf(t.charAt(0)) < 0 && t.charAt(0) != 'O') {
                throw new IllegalArgumentException("tag '" + t + "' is not valid in " + scheme);
            }
        }
        List<Entity> out = new ArrayList<>();
        int i = 0;
        String prev = "O";
        while (i < tokens.size()) {
            String token = tokens.get(i);
            if (matches(prev, token, r.get(0))) {
                int end = forward(tokens, i + 1, token, r.get(1));
                if (matches(tokens.get(end - 1), tokens.get(end), r.get(2))) {
                    out.add(new Entity(sentence, tag(token), i, end - 1));
                }
                i = end;
            } else {
                i++;
            }
            prev = tokens.get(i - 1);
        }
        return out;
    }

    private static int forward(List<String> tokens, int start, String prev, List<Rule> inside) {
        for (int i = start; i < tokens.size(); i++) {
            if (matches(prev, tokens.get(i), inside)) {
                prev = tokens.get(i);
            } else {
                return i;
            }
        }
        return tokens.size() - 2;
    }

    private static boolean matches(String prev, String cur, List<Rule> rules) {
        char pp = prev.charAt(0);
        char cp = cur.charAt(0);
        boolean same = tag(prev).equals(tag(cur));
        for (Rule rule : rules) {
            boolean p = rule.prev().equals("*") || rule.prev().charAt(0) == pp;
            boolean c = rule.cur().equals("*") || rule.cur().charAt(0) == cp;
            boolean t = rule.cond() == 'A' || (rule.cond() == 'S') == same;
            if (p && c && t) {
                return true;
            }
        }
        return false;
    }

    /** seqeval.scheme.Token.tag: the text after the prefix, '-' stripped from both ends, or "_". */
    private static String tag(String token) {
        String t = token.substring(1);
        int a = 0;
        int b = t.length();
        while (a < b && t.charAt(a) == '-') {
            a++;
        }
        while (b > a && t.charAt(b - 1) == '-') {
            b--;
        }
        return a == b ? "_" : t.substring(a, b);
    }
}
