/**
 * Importers of models saved by other frameworks, written as Hugging Face folders: TensorFlow BERT
 * checkpoints ({@link org.finetune4j.convert.TfCheckpointImport}) and BERT-family ONNX exports
 * ({@link org.finetune4j.convert.OnnxImport}).
 *
 * <p>They read bytes (the protobuf wire format through {@link org.finetune4j.io.ProtoReader}, LevelDB's table
 * format in {@link org.finetune4j.convert.TfTable}) and write safetensors through {@code io}; no tensor is
 * computed, only moved (kernels transposed byte by byte). Every header, length and offset is checked before it
 * is used, errors are one line naming the file and the tensor, initializer or node, and the model is written
 * into a hidden folder beside {@code --out} that is renamed only when complete
 * ({@link org.finetune4j.convert.OutputFolder}).
 */
package org.finetune4j.convert;
