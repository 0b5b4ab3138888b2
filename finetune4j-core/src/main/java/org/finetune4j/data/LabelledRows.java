package org.finetune4j.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Collects the text, pair text and label of each good row; checks the columns; throws or skips bad rows. */
final class LabelledRows implements RowSink {

    final List<String> texts = new ArrayList<>();
    final List<String> pairs;
    final List<String> labels = new ArrayList<>();
    final List<Integer> lines = new ArrayList<>();
    int skipped;
    String firstSkipped;

    private final Path file;
    private final TextColumns columns;
    private final boolean skipBadRows;
    private boolean checked;

    LabelledRows(Path file, TextColumns columns, boolean skipBadRows) {
        this.file = file;
        this.columns = columns;
        this.skipBadRows = skipBadRows;
        this.pairs = columns.pair() == null ? null : new ArrayList<>();
    }

    @Override
    public void row(Row row) {
        if (!checked) {
            checkColumns(row);
            checked = true;
        }
        String problem = problem(row);
        if (problem != null) {
            bad(row.line(), problem);
            return;
        }
        texts.add(row.get(columns.text()));
        if (pairs != null) {
            pairs.add(row.get(columns.pair()));
        }
        labels.add(row.get(columns.label()).strip());
        lines.add(row.line());
    }

    @Override
    public void bad(int line, String reason) {
        if (!skipBadRows) {
            throw Problems.at(file, line, reason);
        }
        skipped++;
        if (firstSkipped == null) {
            firstSkipped = Problems.at(file, line, reason).getMessage();
        }
    }

    /** The first good row must have every column: a missing one is a wrong name, not a bad row. */
    private void checkColumns(Row row) {
        for (String c : used()) {
            if (!row.has(c)) {
                throw Problems.of(file, "no column " + Problems.quote(c) + "; the columns are "
                        + org.finetune4j.io.Text.printable(row.values().keySet().toString()));
            }
        }
    }

    /** Why {@code row} cannot be used, or null. */
    private String problem(Row row) {
        for (String c : used()) {
            if (!row.has(c)) {
                return "no column " + Problems.quote(c) + " in this row; it has "
                        + org.finetune4j.io.Text.printable(row.values().keySet().toString());
            }
            String v = row.get(c);
            if (v == null) {
                return "column " + Problems.quote(c) + " is not a string or a number";
            }
            if (v.isBlank()) {
                return (c.equals(columns.label()) ? "empty label" : "empty text") + " in column " + Problems.quote(c);
            }
            if (c.equals(columns.label()) && v.strip().equalsIgnoreCase("nan")) { // how pandas writes a missing value
                return "no label (" + v.strip() + ") in column " + Problems.quote(c);
            }
        }
        return null;
    }

    private List<String> used() {
        return columns.pair() == null
                ? List.of(columns.text(), columns.label())
                : List.of(columns.text(), columns.pair(), columns.label());
    }
}
