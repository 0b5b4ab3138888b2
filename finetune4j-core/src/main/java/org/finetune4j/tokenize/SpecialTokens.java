package org.finetune4j.tokenize;

/** Ids of the special tokens a model folder declares; -1 where it declares none. */
public record SpecialTokens(int pad, int unk, int bos, int eos, int cls, int sep, int mask) {

    /** The end-of-sequence id: the tokenizer's, else config.json's {@code configEos}; -1 when neither names one. */
    public long eosId(Integer configEos) {
        return eos >= 0 ? eos : configEos != null ? configEos : -1;
    }

    /**
     * The id batches are padded with, the one rule of training, evaluation, prediction, generation and serving:
     * the tokenizer's pad token, else EOS ({@link #eosId}; Transformers users set {@code pad_token = eos_token}),
     * else config.json's {@code configPad}; -1 when there is none.
     */
    public long padId(Integer configEos, Integer configPad) {
        if (pad >= 0) {
            return pad;
        }
        long e = eosId(configEos);
        return e >= 0 ? e : configPad != null ? configPad : -1;
    }
}
