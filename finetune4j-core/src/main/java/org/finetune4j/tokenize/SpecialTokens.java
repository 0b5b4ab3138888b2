package org.finetune4j.tokenize;

/** Ids of the special tokens a model folder declares; -1 where it declares none. */
public record SpecialTokens(int pad, int unk, int bos, int eos, int cls, int sep, int mask) {}
