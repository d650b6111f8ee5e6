package org.parley.loadgen;

/** A driver for {@link DriverProcessTest}: says each argument as a line ({@code exit N} exits with N), then serves its input. */
public final class ScriptedDriver {
    private ScriptedDriver() {}

    public static void main(String[] args) {
        for (String line : args) {
            if (line.startsWith("exit ")) System.exit(Integer.parseInt(line.substring(5)));
            DriverProcess.say(line);
        }
        DriverProcess.serve(command -> {});
    }
}
