package org.finetune4j.generate;

import java.util.List;

/**
 * When a sequence ends before its token budget: at one of the EOS ids, or once its new text
 * contains a stop string. {@code eos} may be empty.
 */
public record Stops(long[] eos, List<String> strings) {

    public Stops {
        eos = eos.clone();
        strings = List.copyOf(strings);
        if (strings.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stop strings must not be empty");
        }
    }

    /** Whether {@code id} is an EOS id. */
    public boolean isEos(long id) {
        for (long e : eos) {
            if (e == id) {
                return true;
            }
        }
        return false;
    }

    /** Where the earliest stop string starts in {@code text}, or -1. */
    public int stopAt(String text) {
        int at = -1;
        for (String s : strings) {
            int i = text.indexOf(s);
            if (i >= 0 && (at < 0 || i < at)) {
                at = i;
            }
        }
        return at;
    }

    /** How many characters at the end of {@code text} are the start of a stop string (text to hold back while streaming). */
    public int partialAtEnd(String text) {
        int held = 0;
        for (String s : strings) {
            for (int n = Math.min(s.length() - 1, text.length()); n > held; n--) {
                if (text.regionMatches(text.length() - n, s, 0, n)) {
                    held = n;
                    break;
                }
            }
        }
        return held;
    }
}
