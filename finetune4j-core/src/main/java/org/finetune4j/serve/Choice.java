package org.finetune4j.serve;

import java.util.ArrayList;
import java.util.List;
import org.finetune4j.generate.CausalLm;
import org.finetune4j.generate.Stops;

/**
 * One choice's text as it grows: the continuation of its prompt decoded as {@code generate} decodes
 * it ({@link CausalLm#continuation}), cut before the first stop string (OpenAI leaves the stop
 * sequence out). Streaming sends only what can no longer change: an incomplete UTF-8 character and
 * a tail that may begin a stop string are held back until the next token or the end.
 */
final class Choice {

    final int index;
    final long[] prompt;
    final List<Long> ids = new ArrayList<>();
    /** Log-probabilities of each token when asked for, with the text length before it (its offset). */
    final List<Job.TokenLogprobs> logprobs = new ArrayList<>();
    final List<Integer> offsets = new ArrayList<>();
    private final CausalLm lm;
    private final Stops stops;
    String text = "";
    String finishReason;
    private int sent;
    private int logprobsSent;

    Choice(int index, long[] prompt, CausalLm lm, Stops stops) {
        this.index = index;
        this.prompt = prompt;
        this.lm = lm;
        this.stops = stops;
    }

    /** Adds a generated token; false when the text now reaches a stop string (the choice ends there). */
    boolean add(long id, Job.TokenLogprobs lp) {
        if (lp != null) {
            logprobs.add(lp);
            offsets.add(text.length());
        }
        ids.add(id);
        String full = lm.continuation(prompt, ids.stream().mapToLong(Long::longValue).toArray());
        int at = stops.stopAt(full);
        text = at >= 0 ? full.substring(0, at) : full;
        return at < 0;
    }

    /** The text not yet sent that may be sent now ({@code end}: all of it). */
    String delta(boolean end) {
        int upTo = text.length();
        if (!end) {
            while (upTo > sent && text.charAt(upTo - 1) == '\uFFFD') {
                upTo--;
            }
            upTo -= stops.partialAtEnd(text.substring(0, upTo));
        }
        if (upTo <= sent) {
            return "";
        }
        String d = text.substring(sent, upTo);
        sent = upTo;
        return d;
    }

    /** The log-probabilities not yet sent (streaming sends each with the chunk it belongs to). */
    List<Integer> unsentLogprobs() {
        List<Integer> out = new ArrayList<>();
        for (; logprobsSent < logprobs.size(); logprobsSent++) {
            out.add(logprobsSent);
        }
        return out;
    }
}
