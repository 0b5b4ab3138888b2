/**
 * Tokenizers bit-exact with Hugging Face, on the Rust tokenizers library through DJL.
 *
 * <p>A folder's {@code tokenizer.json} is used as is. A folder with only the slow-tokenizer files
 * gets the tokenizer.json document that Transformers' slow-to-fast converter would write, built in
 * memory ({@code TokenizerDocument}): WordPiece with BertNormalizer from
 * {@code vocab.txt}, byte-level BPE from {@code vocab.json} + {@code merges.txt} with RoBERTa, GPT-2
 * or {@code add_bos_token} (OPT) post-processing. Special and added tokens come from
 * tokenizer_config.json ({@code added_tokens_decoder}) and special_tokens_map.json.
 *
 * <p>DJL's {@code HuggingFaceTokenizer} only creates, decodes and closes the native tokenizer; encoding
 * goes through {@code TokenizersLibrary} directly, so truncation is set per call (Rust
 * {@code longest_first}, as AutoTokenizer's fast tokenizers do), no overflow encodings leak, and
 * padding is done in Java with the folder's own pad id (DJL's padding defaults to id 0).
 */
package org.finetune4j.tokenize;
