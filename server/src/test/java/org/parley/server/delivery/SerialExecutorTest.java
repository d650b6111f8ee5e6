package org.parley.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

class SerialExecutorTest {

    @Test
    void idleOnlyWhenNothingIsQueuedOrRunningAndTasksRunInOrder() {
        List<Runnable> backing = new ArrayList<>(); // runs nothing until the test says so
        SerialExecutor serial = new SerialExecutor(backing::add);
        ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
        assertThat(serial.idle()).isTrue();

        serial.execute(() -> ran.add(1));
        serial.execute(() -> ran.add(2));
        assertThat(serial.idle()).as("two tasks queued").isFalse();
        assertThat(backing).as("one drain for both").hasSize(1);

        backing.get(0).run();
        assertThat(ran).containsExactly(1, 2);
        assertThat(serial.idle()).isTrue();

        serial.execute(() -> {
            assertThat(serial.idle()).as("while a task runs").isFalse();
            ran.add(3);
        });
        backing.get(1).run();
        assertThat(ran).containsExactly(1, 2, 3);
        assertThat(serial.idle()).isTrue();
    }
}
