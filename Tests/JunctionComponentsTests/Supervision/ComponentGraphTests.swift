import JunctionComponents
import Testing

@Suite struct ComponentGraphTests {
    private func component(_ name: String, dependsOn: [String] = [], exec: [String] = ["x"]) -> ComponentConfiguration {
        ComponentConfiguration(name: name, realm: "realm1", role: "backend", exec: exec, dependsOn: dependsOn)
    }

    @Test func unmetDependenciesAndDependents() {
        let graph = ComponentGraph([
            self.component("db"), self.component("api", dependsOn: ["db", "cache"]), self.component("cache"),
        ])
        #expect(graph.unmetDependencies(of: "api", ready: ["db"]) == ["cache"])
        #expect(graph.unmetDependencies(of: "api", ready: ["db", "cache"]).isEmpty)
        #expect(graph.dependents(of: "db") == ["api"])
        #expect(graph.problem() == nil)
    }

    @Test func unknownDependencyAndCycleAreProblems() {
        #expect(
            ComponentGraph([self.component("a", dependsOn: ["b"])]).problem()
                == "component 'a' depends on 'b', which is not a component")
        let cycle = ComponentGraph([
            self.component("a", dependsOn: ["b"]), self.component("b", dependsOn: ["c"]),
            self.component("c", dependsOn: ["a"]),
        ])
        #expect(cycle.problem() == "depends_on forms a cycle: a -> b -> c -> a")
    }

    @Test func changesTouchOnlyWhatChanged() {
        let old = [self.component("a"), self.component("b"), self.component("c")]
        let new = [self.component("a"), self.component("b", exec: ["y"]), self.component("d")]
        let changes = ComponentChanges(old: old, new: new)
        #expect(changes.unchanged == ["a"])
        #expect(changes.changed == ["b"])
        #expect(changes.added == ["d"])
        #expect(changes.removed == ["c"])
    }
}
