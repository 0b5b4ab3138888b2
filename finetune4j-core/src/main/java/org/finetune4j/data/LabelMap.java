package org.finetune4j.data;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * The class labels in id order, as Transformers saves them in config.json ({@code id2label},
 * {@code label2id}). Built from the training labels sorted: numerically when every label is an
 * integer (so labels {@code 0..K-1} keep their ids, and {@code 1..5} become ids {@code 0..4}, as
 * run_glue does), else lexicographically by UTF-16 code units.
 */
public record LabelMap(List<String> names) {

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

    public LabelMap {
        names = List.copyOf(names);
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no labels");
        }
        if (new HashSet<>(names).size() != names.size()) {
            throw new IllegalArgumentException("labels appear twice: " + names);
        }
    }

    /** The map of the distinct {@code labels} seen in training data, sorted as described above. */
    public static LabelMap sorted(Collection<String> labels) {
        Set<String> distinct = new HashSet<>(labels);
        boolean integers = distinct.stream().allMatch(s -> INTEGER.matcher(s).matches());
        Comparator<String> order = integers
                ? Comparator.comparing((String s) -> new BigInteger(s)).thenComparing(Comparator.naturalOrder())
                : Comparator.naturalOrder();
        TreeSet<String> sorted = new TreeSet<>(order);
        sorted.addAll(distinct);
        return new LabelMap(new ArrayList<>(sorted));
    }

    /** Number of classes. */
    public int size() {
        return names.size();
    }

    /** The label of class {@code id}. */
    public String name(int id) {
        return names.get(id);
    }

    /** The id of {@code label}, or -1 when it is not one of the labels. */
    public int id(String label) {
        return names.indexOf(label);
    }

    /** {@code id2label} in id order. */
    public Map<Integer, String> id2label() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(i, names.get(i));
        }
        return m;
    }

    /** {@code label2id} in id order. */
    public Map<String, Integer> label2id() {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            m.put(names.get(i), i);
        }
        return m;
    }
}
