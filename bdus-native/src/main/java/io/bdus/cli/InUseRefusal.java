package io.bdus.cli;

import io.bdus.linux.BlockDeviceUsers;
import java.util.List;

/** Refuses an action that would take a device from its users, saying who they are and what to do. */
final class InUseRefusal {

    private InUseRefusal() {
    }

    /** Throws unless {@code force} or nobody uses the device. */
    static void check(KnownDevice device, String verb, boolean force) {
        if (force || device.path() == null) {
            return;
        }
        List<String> users = BlockDeviceUsers.of(device.path());
        if (!users.isEmpty()) {
            throw refusal(device, verb, users);
        }
    }

    private static String gerund(String verb) {
        return verb.endsWith("e") ? verb.substring(0, verb.length() - 1) + "ing" : verb + "ing";
    }

    static CommandFailedException refusal(KnownDevice device, String verb, List<String> users) {
        String described = device.describe();
        return new CommandFailedException(Character.toUpperCase(described.charAt(0)) + described.substring(1)
                + " is in use (" + String.join("; ", users) + "): " + gerund(verb) + " it would take it from under them.\n"
                + "Unmount it and stop the processes using it, then run 'bdus " + verb + " " + device.label()
                + "' again; or add --force to " + verb + " it anyway.");
    }
}
