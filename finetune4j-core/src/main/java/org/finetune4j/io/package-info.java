/**
 * Safetensors reading and writing, our own, checked as strictly as the Python library.
 *
 * <p>Reading ({@link org.finetune4j.io.SafeTensors}): the 8-byte little-endian header length is
 * checked against the file size and then the 100,000,000-byte cap before the header is read;
 * the header must be a JSON object (duplicate keys and trailing tokens fail); each tensor needs a
 * known dtype, a shape of non-negative integers whose byte count fits 64 bits and equals its
 * data_offsets span, and the spans sorted by offset must tile the data area exactly (no gap, no
 * overlap, nothing after the last). Every error is one line that starts with the path as given.
 * Data is memory-mapped per tensor on each {@code data} call, so files over 2 GiB work and only
 * touched pages become resident; a single tensor over 2 GiB (2^31 - 1 bytes) cannot be one Java
 * buffer and is refused with an error naming it (the header still opens). Mapped buffers stay
 * readable after close; the JVM unmaps them when they become garbage.
 *
 * <p>Writing ({@link org.finetune4j.io.SafeTensorsWriter}): {@code __metadata__} first, tensors
 * in the Python library's dtype order (I64, F64, F32, I32, BF16, F16, I16, I8, U8, BOOL, which
 * aligns each to its element size) then by name, header padded with spaces to 8 bytes. Bytes go to a hidden
 * {@code .NAME.RANDOM.tmp} beside the target, are forced to disk, and the file is renamed over
 * the target atomically; on any failure the temporary file is deleted and the target is as
 * it was. Sharded writing is not there yet.
 *
 * <p>Model folders ({@link org.finetune4j.io.WeightFiles}): {@code model.safetensors}, else the
 * shards of {@code model.safetensors.index.json}, all opened and checked up front.
 */
package org.finetune4j.io;
