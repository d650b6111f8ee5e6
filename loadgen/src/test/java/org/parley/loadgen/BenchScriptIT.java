package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code ./bench} script itself: what it does before the Java side runs. */
class BenchScriptIT {
    @TempDir
    Path tmp;

    @Test
    void compareWithABadOptionInstallsNothing() throws Exception {
        // apt-get and sudo that only write down that they were called
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path calls = tmp.resolve("calls.txt");
        for (String tool : new String[] {"apt-get", "sudo"}) {
            Path fake = bin.resolve(tool);
            Files.writeString(fake, "#!/bin/sh\necho \"" + tool + " $*\" >> " + calls + "\n");
            Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        Path script = Path.of(System.getProperty("user.dir")).resolve("../bench").normalize();
        Path log = tmp.resolve("bench.log");
        ProcessBuilder pb = new ProcessBuilder("bash", script.toString(), "compare", "--no-such-option", "1")
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        try {
            assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("bench ends by itself").isTrue();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String output = Files.readString(log);

        assertThat(Files.exists(calls)).as("nothing installed (ejabberd there beforehand: %s); output:%n%s",
                Files.exists(Path.of("/usr/sbin/ejabberdctl")), output).isFalse();
        assertThat(output).doesNotContain("installing");
        if ("root".equals(System.getProperty("user.name"))) {
            assertThat(p.exitValue()).as(output).isEqualTo(2);
            assertThat(output).contains("bench: unknown option --no-such-option");
        } else {
            assertThat(p.exitValue()).as(output).isEqualTo(1);
            assertThat(output).contains("needs root");
        }
    }
}
