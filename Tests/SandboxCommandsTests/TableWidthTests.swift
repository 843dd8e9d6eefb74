import Foundation
import SandboxKit
import Testing
@testable import SandboxCommands

/// Tables cut to a width: long cells end in `…`, names stay whole, no width shows everything.
@Suite struct TableWidthTests {
    static let sandboxes = [
        SandboxInfo(name: "python-3f2a", containerID: "c1", image: "registry.example.com/team/python-with-everything:3.12-2025",
                    runtime: nil, state: .running, status: "Up 3 minutes", createdBy: .agent, client: "claude-code-with-a-long-name",
                    created: Date(), managed: true, isolation: .open, openReason: "over TCP"),
        SandboxInfo(name: "a-sandbox-with-a-long-name", containerID: "c2", image: "busybox", runtime: nil, state: .exited,
                    status: "Exited (0) 2 hours ago", createdBy: nil, client: nil, created: Date(), managed: true),
    ]

    @Test func sandboxesFitTheWidthAndKeepNamesWhole() {
        for width in [100, 80] {
            let text = Format.sandboxes(Self.sandboxes, current: "python-3f2a", width: width)
            let lines = text.split(separator: "\n")
            #expect(lines.allSatisfy { $0.count <= width }, "width \(width):\n\(text)")
            #expect(text.contains("a-sandbox-with-a-long-name") && text.contains("python-3f2a"))
            #expect(text.contains("…"))
        }
        // Narrower than the names and headers need: those stay whole, the rest is cut.
        let narrow = Format.sandboxes(Self.sandboxes, current: nil, width: 40)
        #expect(narrow.hasPrefix("  NAME                        RUNTIME/IMAGE  STATE  NET   STATUS  BY\n"), "\(narrow)")
        #expect(narrow.contains("a-sandbox-with-a-long-name  busybox        exit…  -     Exite…  -"), "\(narrow)")
        #expect(narrow.contains("  runn…  OPEN  "), "the network stays whole: \(narrow)")
        let whole = Format.sandboxes(Self.sandboxes, current: nil)
        #expect(whole.contains("registry.example.com/team/python-with-everything:3.12-2025") && !whole.contains("…"))
    }

    @Test func cellsAreCutWithAnEllipsisAndFitExactly() {
        let text = Format.table(["A", "LONG"], [["x", "abcdefghijklmnopqrstuvwxyz"]], width: 12)
        #expect(text == "A  LONG\nx  abcdefgh…\n")
        // Too narrow for the headers: columns keep their headers' width rather than vanish.
        #expect(Format.table(["NAME", "VALUE"], [["n", "0123456789"]], width: 5) == "NAME  VALUE\nn     0123…\n")
    }
}
