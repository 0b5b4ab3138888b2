package org.finetune4j.nn;

/** How a parameter is initialised when the weights file does not hold it (Transformers' rules). */
public sealed interface Init {

    /** Normal(0, std), as {@code initializer_range}. */
    record Normal(double std) implements Init {}

    /** All zeros (biases). */
    record Zeros() implements Init {}

    /** All ones (norm weights). */
    record Ones() implements Init {}

    /** Kaiming-uniform with a = sqrt(5), as torch.nn.Linear's default (PEFT's lora_A). */
    record KaimingUniform() implements Init {}

    Init ZEROS = new Zeros();
    Init ONES = new Ones();
    Init KAIMING_UNIFORM = new KaimingUniform();

    static Init normal(double std) {
        return new Normal(std);
    }
}
