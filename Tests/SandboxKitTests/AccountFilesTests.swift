import Testing
@testable import SandboxKit

/// The user a sandbox gets, read from and added to an image's /etc/passwd and /etc/group, without Docker.
struct AccountFilesTests {
    static let passwd = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nnode:x:1000:1000::/home/node:/bin/sh\n"
    static let group = "root:x:0:\ndaemon:x:1:\nnode:x:1000:\ndocker:x:999:node,other\n"

    @Test func usersAreParsedAsAPersonWritesThem() throws {
        #expect(try SandboxUser(parsing: "root") == .root)
        #expect(try SandboxUser(parsing: "0:0") == .root)
        #expect(try SandboxUser(parsing: "sandbox") == .named("sandbox"))
        #expect(try SandboxUser(parsing: "1000") == .id(uid: 1000, gid: nil))
        #expect(try SandboxUser(parsing: "1000:27") == .id(uid: 1000, gid: 27))
        for bad in ["", "Root", "1000:", ":1", "1:2:3", "a b", "x:y", "4294967295", "2147483647", "9name", String(repeating: "a", count: 33), "1000:-1"] {
            #expect(throws: SandboxError.self, "\(bad)") { try SandboxUser(parsing: bad) }
        }
        for user: SandboxUser in [.root, .named("a-b.c_"), .id(uid: 7, gid: nil), .id(uid: 7, gid: 8)] {
            #expect(try SandboxUser(parsing: user.description) == user)
        }
    }

    @Test func anExistingUserIsFoundWithItsGroups() {
        var files = AccountFiles(passwd: Self.passwd, group: Self.group)
        let node = SandboxAccount(name: "node", uid: 1000, gid: 1000, groups: [1000, 999], home: "/home/node")
        #expect(files.account(.named("node")) == node)
        #expect(files.account(.id(uid: 1000, gid: nil)) == node)
        #expect(files.account(.id(uid: 1000, gid: 1)) == SandboxAccount(name: "node", uid: 1000, gid: 1, groups: [1, 999], home: "/home/node"))
        #expect(files.ensure(.named("node"))?.added == false)
        #expect(files.passwdText == Self.passwd && files.groupText == Self.group, "nothing added")
        #expect(node.runnerSpec == "1000:1000:1000,999")
    }

    @Test func aMissingUserIsAddedWithTheNextFreeIDs() {
        var files = AccountFiles(passwd: Self.passwd, group: Self.group)
        let made = files.ensure(.unprivileged)
        #expect(made?.added == true)
        #expect(made?.account == SandboxAccount(name: "sandbox", uid: 1001, gid: 1001, groups: [1001], home: "/home/sandbox"))
        #expect(files.passwdText.hasSuffix("node:x:1000:1000::/home/node:/bin/sh\nsandbox:x:1001:1001::/home/sandbox:/bin/sh\n"))
        #expect(files.groupText.hasSuffix("docker:x:999:node,other\nsandbox:x:1001:\n"))
        #expect(files.account(.unprivileged) == made?.account, "found again as it was made")
        // By number: named sandbox (taken now, so sandbox-UID), its own group of the same number.
        #expect(files.ensure(.id(uid: 2000, gid: nil))?.account == SandboxAccount(name: "sandbox-2000", uid: 2000, gid: 2000, groups: [2000],
                                                                                    home: "/home/sandbox-2000"))
        // A group named by number that exists is used; one that does not is made.
        #expect(files.ensure(.id(uid: 3000, gid: 999))?.account.groups == [999])
        #expect(files.ensure(.id(uid: 3001, gid: 3500))?.account.gid == 3500)
        #expect(files.groupText.contains(":x:3500:\n"))
    }

    @Test func anImageWithoutAccountsGetsRootAndTheUser() {
        var files = AccountFiles(passwd: nil, group: nil)
        #expect(files.ensure(.unprivileged)?.account == SandboxAccount(name: "sandbox", uid: 1000, gid: 1000, groups: [1000], home: "/home/sandbox"))
        #expect(files.passwdText == "root:x:0:0:root:/root:/bin/sh\nsandbox:x:1000:1000::/home/sandbox:/bin/sh\n")
        #expect(files.groupText == "root:x:0:\nsandbox:x:1000:\n")
    }

    @Test func linesThatAreNotEntriesAreKeptAndNeverMatched() {
        var files = AccountFiles(passwd: "# comment\n+::::::\nbroken:x:notanumber:0::/:/bin/sh\nsandbox:x:5\n", group: "::1:\n")
        #expect(files.account(.unprivileged) == nil)
        let made = files.ensure(.unprivileged)
        #expect(made?.account.uid == 1000)
        #expect(files.passwdText.hasPrefix("root:x:0:0:root:/root:/bin/sh\n# comment\n+::::::\nbroken:x:notanumber:0::/:/bin/sh\nsandbox:x:5\n"))
    }

    @Test func theWorkDirectoryIsGivenOnlyWhereItIsTheSandboxs() {
        #expect(DockerSandbox.ownable("/workspace", volumeTargets: []))
        #expect(DockerSandbox.ownable("/home/app/src", volumeTargets: []))
        for path in ["/", "/etc", "/usr/local/app", "/tmp", "/var/www", "relative"] { #expect(!DockerSandbox.ownable(path, volumeTargets: []), "\(path)") }
        #expect(!DockerSandbox.ownable("/workspace", volumeTargets: ["/workspace"]), "a volume is the host's directory")
        #expect(!DockerSandbox.ownable("/workspace/src", volumeTargets: ["/workspace"]))
        #expect(!DockerSandbox.ownable("/workspace", volumeTargets: ["/workspace/data"]), "its tar entry would not reach it, but a volume below is the host's")
        #expect(DockerSandbox.ownable("/workspace2", volumeTargets: ["/workspace"]))
    }
}
