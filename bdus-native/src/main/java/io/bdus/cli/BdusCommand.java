package io.bdus.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/** {@code bdus}: the command line of bdus; {@code scripts/bdus} starts it. */
@Command(name = "bdus", sortOptions = false, usageHelpAutoWidth = true,
        header = "Block devices in user space, served by Java: serve, list and manage them.",
        description = "Needs root. Devices are found through the state directory (--state-dir, default /run/bdus, "
                + "the Spring starter's too) and the kernel. Run 'bdus COMMAND --help' for each command.",
        versionProvider = BdusCommand.Version.class,
        subcommands = { ServeCommand.class, ListCommand.class, InfoCommand.class, FlushCommand.class,
            DetachCommand.class, DestroyCommand.class, VersionCommand.class, CommandLine.HelpCommand.class },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = { "0:done", "1:failed: the operation failed, the device was not found, or it was refused",
            "2:usage: unknown option, missing or invalid value" },
        footerHeading = "%nExamples:%n",
        footer = {
            "  bdus serve --size 1G &          READY /dev/loop0 on stdout once it serves",
            "  bdus list",
            "  bdus info disk0",
            "  bdus destroy disk0" })
public final class BdusCommand implements Runnable {

    /** slf4j-simple's level: WARN unless --verbose. */
    static final String LOG_LEVEL_PROPERTY = "org.slf4j.simpleLogger.defaultLogLevel";

    @Option(names = { "-h", "--help" }, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = { "-V", "--version" }, versionHelp = true, description = "Print the CLI version and exit.")
    boolean version;

    @Spec
    CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns its exit code. */
    static int run(String... args) {
        System.setProperty(LOG_LEVEL_PROPERTY, System.getProperty(LOG_LEVEL_PROPERTY, "warn"));
        System.setProperty("org.slf4j.simpleLogger.logFile", "System.err");
        System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
        System.setProperty("org.slf4j.simpleLogger.showShortLogName", "true");
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        return new CommandLine(new BdusCommand())
            .setParameterExceptionHandler(new ShortUsageError())
            .setExecutionExceptionHandler(new FailureMessage());
    }

    /** {@code bdus} alone: usage on stderr, exit 2. */
    @Override
    public void run() {
        throw new ParameterException(this.spec.commandLine(), "Missing command: serve, list, info, flush, detach, "
                + "destroy or version");
    }

    /** Usage errors in two lines, not the whole help: what was wrong, and where the help is. */
    static final class ShortUsageError implements IParameterExceptionHandler {

        @Override
        public int handleParseException(ParameterException ex, String[] args) {
            CommandLine command = ex.getCommandLine();
            PrintWriter err = command.getErr();
            err.println(command.getCommandSpec().qualifiedName() + ": " + ex.getMessage());
            err.println("Try '" + command.getCommandSpec().qualifiedName() + " --help'.");
            err.flush();
            return command.getCommandSpec().exitCodeOnInvalidInput();
        }
    }

    /** A failed command: its message (what, which device, what to do) on stderr, exit 1. */
    static final class FailureMessage implements IExecutionExceptionHandler {

        @Override
        public int handleExecutionException(Exception ex, CommandLine command, ParseResult parseResult) {
            PrintWriter err = command.getErr();
            String message = (ex instanceof CommandFailedException) ? ex.getMessage() : ex.toString();
            err.println(command.getCommandSpec().qualifiedName() + ": " + message);
            if (!(ex instanceof CommandFailedException)) {
                ex.printStackTrace(err);
            }
            err.flush();
            return command.getCommandSpec().exitCodeOnExecutionException();
        }
    }

    /** The version in the cli jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {

        @Override
        public String[] getVersion() {
            return new String[] { "bdus " + VersionCommand.cliVersion() };
        }
    }
}
