import SandboxKit
import Foundation

let s = DockerSandbox(image: CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "sandbox-test/python:3.11")
let t0 = ContinuousClock.now
do {
    print("alive before:", await s.isAlive())
    try await s.write("/workspace/app.py", "a, b = 0, 1\nfor _ in range(10):\n    print(a, end=' ')\n    a, b = b, a + b\n")
    print("write", ContinuousClock.now - t0)
    let r = try await s.execute("python /workspace/app.py")
    print(r, ContinuousClock.now - t0)
    print(try await s.read("app.py"))
    print(try await s.ls("/workspace"))
    print(try await s.glob("*.py", path: "/"))
    print(try await s.grep("range", path: "/workspace"))
    print(try await s.edit("app.py", "range(10)", "range(12)"))
    print(try await s.execute("python app.py; echo err >&2; exit 3"))
    let t1 = ContinuousClock.now
    let r2 = try await s.execute("sleep 30 & sleep 40; echo never", timeout: .seconds(1))
    print(r2, ContinuousClock.now - t1)
    print(try await s.execute("ps -ef || ps"))
    for try await e in s.executeStream("for i in 1 2 3; do echo $i; sleep 0.2; done") { print(e) }
    let t2 = ContinuousClock.now
    try await s.stop()
    print("stop", ContinuousClock.now - t2, await s.isAlive())
} catch {
    print("ERROR:", error)
    try? await s.stop()
}
