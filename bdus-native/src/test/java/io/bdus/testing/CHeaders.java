package io.bdus.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Evaluates C expressions (sizes, offsets, constants) against real headers by compiling and
 * running a small program with gcc, so that Java layout constants can be checked against the
 * uapi headers they mirror.
 */
public final class CHeaders {

    private CHeaders() {
    }

    /**
     * The value of each expression, evaluated in a program that includes {@code includes}
     * (e.g. {@code <linux/io_uring.h>}), with {@code includeDirs} searched first.
     */
    public static Map<String, Long> evaluate(Path workDir, List<String> includes, List<Path> includeDirs,
            Iterable<String> expressions) throws Exception {
        HostAssumptions.assumeTool("gcc");
        StringBuilder source = new StringBuilder("#define _GNU_SOURCE\n#include <stdio.h>\n#include <stddef.h>\n");
        includes.forEach(include -> source.append("#include ").append(include).append('\n'));
        source.append("int main(void) {\n");
        for (String expression : expressions) {
            source.append("  printf(\"%s=%llu\\n\", \"").append(expression).append("\", (unsigned long long)(")
                .append(expression).append("));\n");
        }
        source.append("  return 0;\n}\n");
        Path c = Files.writeString(workDir.resolve("layout.c"), source);
        Path binary = workDir.resolve("layout");
        List<String> command = new java.util.ArrayList<>(List.of("gcc", "-Wall", "-Werror"));
        includeDirs.forEach(dir -> command.addAll(List.of("-I", dir.toAbsolutePath().toString())));
        command.addAll(List.of("-o", binary.toString(), c.toString()));
        Process gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
        String gccOutput = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(gcc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(gcc.exitValue()).as("gcc output:%n%s", gccOutput).isZero();
        Process run = new ProcessBuilder(binary.toString()).start();
        String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(run.waitFor(10, TimeUnit.SECONDS)).isTrue();
        Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            int eq = line.lastIndexOf('=');
            values.put(line.substring(0, eq), Long.parseUnsignedLong(line.substring(eq + 1)));
        }
        return values;
    }
}
