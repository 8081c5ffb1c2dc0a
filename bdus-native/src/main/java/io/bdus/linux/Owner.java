package io.bdus.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A user and group that own a file, by number.
 *
 * @param uid user id
 * @param gid group id
 */
public record Owner(int uid, int gid) {

    /** root:root. */
    public static final Owner ROOT = new Owner(0, 0);

    public Owner {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid and gid must not be negative, were " + uid + ":" + gid);
        }
    }

    /**
     * Parses {@code user[:group]}, each a name or a number. Names are looked up in
     * {@code /etc/passwd} and {@code /etc/group}; without a group, the user's primary group.
     *
     * @throws IllegalArgumentException naming what could not be resolved
     */
    public static Owner parse(String text) {
        return parse(text, Path.of("/etc/passwd"), Path.of("/etc/group"));
    }

    static Owner parse(String text, Path passwd, Path group) {
        String trimmed = text.trim();
        int colon = trimmed.indexOf(':');
        String user = (colon >= 0) ? trimmed.substring(0, colon) : trimmed;
        String groupName = (colon >= 0) ? trimmed.substring(colon + 1) : null;
        if (user.isEmpty() || (groupName != null && groupName.isEmpty())) {
            throw new IllegalArgumentException("'" + text + "' is not user[:group]");
        }
        String[] account = isNumber(user) ? null : entry(passwd, user)
            .orElseThrow(() -> new IllegalArgumentException("no user '" + user + "' in " + passwd));
        int uid = (account != null) ? Integer.parseInt(account[2]) : Integer.parseInt(user);
        int gid;
        if (groupName == null) {
            if (account == null) {
                account = entryById(passwd, uid).orElse(null);
            }
            gid = (account != null) ? Integer.parseInt(account[3]) : uid;
        }
        else if (isNumber(groupName)) {
            gid = Integer.parseInt(groupName);
        }
        else {
            gid = Integer.parseInt(entry(group, groupName)
                .orElseThrow(() -> new IllegalArgumentException("no group '" + groupName + "' in " + group))[2]);
        }
        return new Owner(uid, gid);
    }

    private static boolean isNumber(String text) {
        return text.chars().allMatch(Character::isDigit) && text.length() <= 9;
    }

    private static Optional<String[]> entry(Path file, String name) {
        return lines(file).stream().map(line -> line.split(":", -1))
            .filter(fields -> fields.length > 3 && fields[0].equals(name))
            .findFirst();
    }

    private static Optional<String[]> entryById(Path file, int uid) {
        String id = Integer.toString(uid);
        return lines(file).stream().map(line -> line.split(":", -1))
            .filter(fields -> fields.length > 3 && fields[2].equals(id))
            .findFirst();
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        }
        catch (IOException ex) {
            return List.of();
        }
    }

    @Override
    public String toString() {
        return this.uid + ":" + this.gid;
    }
}
