package org.finetune4j.data;

import java.util.List;
import java.util.Locale;

/**
 * The chunk encodings of NER tags: IOB1 (I- starts an entity unless it continues one of the same
 * type; B- only between two entities of one type), IOB2 (every entity starts with B-) and BIOES
 * (IOBES: S- single-token entities, E- ends). Tags are {@code O} or a prefix, '-', and a type.
 */
public enum TagScheme {
    IOB1("BI"), IOB2("BI"), BIOES("BIES");

    private final String prefixes;

    TagScheme(String prefixes) {
        this.prefixes = prefixes;
    }

    /** The prefixes an entity tag of this scheme may have (O stands alone). */
    public String prefixes() {
        return prefixes;
    }

    /** Parses iob1, iob2, bioes (or iobes), any case. */
    public static TagScheme parse(String s) {
        String u = s.trim().toUpperCase(Locale.ROOT);
        if (u.equals("IOBES")) {
            return BIOES;
        }
        for (TagScheme t : values()) {
            if (t.name().equals(u)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tag scheme '" + s + "' (supported: " + names() + ")");
    }

    /** The scheme names, lower case. */
    public static List<String> names() {
        return List.of("iob1", "iob2", "bioes");
    }

    /** Why {@code tag} is not a tag of this scheme, or null when it is. */
    public String problem(String tag) {
        if (tag.equals("O")) {
            return null;
        }
        if (tag.length() < 3 || tag.charAt(1) != '-' || prefixes.indexOf(tag.charAt(0)) < 0) {
            return "tag '" + org.finetune4j.io.Text.printable(tag) + "' is not O or one of " + String.join("-, ",
                    prefixes.chars().mapToObj(c -> String.valueOf((char) c)).toList()) + "- followed by a type ("
                    + name() + ")";
        }
        return null;
    }
}
