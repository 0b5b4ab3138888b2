package org.finetune4j.data;

import java.util.List;

/**
 * An instruction put around each text of a classification example, as {@code "Classify the sentiment:
 * {text}"}: {@code {text}} stands for the text (at least once), {@code {{} and {@code }}} for literal
 * braces; any other {@code {name}} is refused, so a typo does not silently train on the template alone.
 */
public record TextTemplate(String pattern) {

    public TextTemplate {
        render(pattern, "", true);
    }

    /** The template with {@code text} in place of {@code {text}}. */
    public String apply(String text) {
        return render(pattern, text, false);
    }

    /** The data with every text put into the template (pairs and labels as they were). */
    public TextClassificationData apply(TextClassificationData d) {
        List<String> texts = d.texts().stream().map(this::apply).toList();
        return new TextClassificationData(d.file(), texts, d.pairs(), d.labels(), d.lines(), d.labelMap(), d.skipped(), d.firstSkipped());
    }

    private static String render(String pattern, String text, boolean check) {
        StringBuilder out = new StringBuilder();
        boolean used = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < pattern.length() && pattern.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '{') {
                int close = pattern.indexOf('}', i);
                String name = close < 0 ? null : pattern.substring(i + 1, close);
                if (!"text".equals(name)) {
                    throw new IllegalArgumentException(close < 0 ? "a '{' at " + i + " is not closed (write {{ for a brace)"
                            : "unknown placeholder {" + name + "} (only {text}; write {{ and }} for braces)");
                }
                out.append(text);
                used = true;
                i = close;
            } else if (c == '}') {
                throw new IllegalArgumentException("a lone '}' at " + i + " (write }} for a brace)");
            } else {
                out.append(c);
            }
        }
        if (check && !used) {
            throw new IllegalArgumentException("has no {text} placeholder");
        }
        return out.toString();
    }
}
