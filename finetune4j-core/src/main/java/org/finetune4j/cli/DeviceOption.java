package org.finetune4j.cli;

import org.finetune4j.tensor.Device;
import org.finetune4j.tensor.Devices;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The {@code --device} option the compute commands share (a picocli mixin); apply before the first tensor is made. */
final class DeviceOption {

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--device", paramLabel = "DEVICE", description = "auto, cpu, cuda or cuda:N (default: FINETUNE4J_DEVICE, "
            + "else auto: the GPU when libtorch's GPU build is on the class path and sees one, else the CPU).")
    String device;

    /** Makes the asked device the one tensors are made on (a device that is not there is a one-line error); returns it. */
    Device apply() {
        if (device != null && !Devices.valid(device)) {
            throw new ParameterException(command.commandLine(), "--device must be auto, cpu, cuda or cuda:N, got '" + device + "'");
        }
        Device d = Devices.select(device != null ? device : Devices.defaultSpec(), device != null ? "--device" : Devices.ENV);
        Devices.use(d);
        return d;
    }
}
