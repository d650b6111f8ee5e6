package org.parley.loadgen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class CompareTest {
    @Test
    void eachComparedScenarioGetsCompareDefaultsUnlessTheUserGaveTheirOwn() {
        String[] args = {"compare", "--scenarios", "group", "--clients", "200", "--out", "/tmp/x", "--json", "/tmp/x.json"};
        Options o = Options.parse(args);
        assertThat(o.store()).as("ejabberd archives on PostgreSQL, so Parley does too").isEqualTo("postgres");
        assertThat(o.compared()).containsExactly("group");
        Options group = Options.parse(Compare.subArgs("group", o, args));
        assertThat(group.scenario()).isEqualTo("group");
        assertThat(group.findMax()).isTrue();
        assertThat(group.clients()).isEqualTo(200);
        assertThat(group.rate()).isEqualTo(20);
        assertThat(group.stepFactor()).isEqualTo(1.5);
        assertThat(group.p99BoundMs()).isEqualTo(100);
        assertThat(group.durationS()).isEqualTo(10);
        assertThat(group.json()).as("compare writes its own JSON").isNull();

        String[] mine = {"compare", "--rate", "800", "--duration", "30", "--p99-bound", "20", "--store", "sqlite"};
        Options direct = Options.parse(Compare.subArgs("direct", Options.parse(mine), mine));
        assertThat(List.of(direct.rate(), (double) direct.durationS(), direct.p99BoundMs())).containsExactly(800.0, 30.0, 20.0);
        assertThat(direct.store()).isEqualTo("sqlite");
    }
}
