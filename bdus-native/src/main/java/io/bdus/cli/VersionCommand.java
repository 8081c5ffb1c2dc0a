package io.bdus.cli;

import io.bdus.transport.kbdus.KbdusControl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code bdus version}: this CLI, the kbdus ABI it speaks, the loaded module, the kernel. */
@Command(name = "version", header = "Show the versions of this CLI, the kbdus ABI and module, and the kernel.",
        description = "The kbdus module must speak the CLI's ABI major version and at least its minor version.",
        footerHeading = "%nExamples:%n", footer = "  bdus version")
final class VersionCommand implements Callable<Integer> {

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Override
    public Integer call() {
        KbdusControl.Version abi = KbdusControl.supportedAbi();
        System.out.println("bdus CLI:     " + cliVersion());
        System.out.println("kbdus ABI:    " + abi.abi() + " (works with modules speaking " + abi.abi() + " or a later "
                + abi.major() + ".x)");
        System.out.println("kbdus module: " + module(abi));
        System.out.println("kernel:       " + read(Path.of("/proc/sys/kernel/osrelease"), "unknown"));
        return 0;
    }

    static String cliVersion() {
        String version = VersionCommand.class.getPackage().getImplementationVersion();
        return (version != null) ? version : "unknown (not run from the cli jar)";
    }

    private static String module(KbdusControl.Version abi) {
        String moduleVersion = read(Path.of("/sys/module/kbdus/version"), null);
        if (!KbdusControl.isLoaded()) {
            return (moduleVersion != null) ? moduleVersion + " loaded, but " + KbdusControl.CONTROL_PATH + " is missing"
                    : "not loaded (" + KbdusControl.CONTROL_PATH + " is missing)";
        }
        String loaded = (moduleVersion != null) ? moduleVersion : "version unknown";
        try {
            KbdusControl.Version speaks = KbdusControl.moduleVersion();
            return loaded + ", speaks ABI " + speaks
                    + (speaks.satisfies(abi) ? "" : " (incompatible: this CLI needs " + abi.abi() + " or a later "
                            + abi.major() + ".x)");
        }
        catch (IOException ex) {
            return loaded + " (cannot ask it: " + ex.getMessage() + ")";
        }
    }

    private static String read(Path file, String otherwise) {
        try {
            return Files.readString(file).strip();
        }
        catch (IOException ex) {
            return otherwise;
        }
    }
}
