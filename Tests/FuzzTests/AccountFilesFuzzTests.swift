import Testing
@testable import SandboxKit

/// An image's account files come from the image: any text is read without a trap, and a user
/// added to it is found again as it was made.
struct AccountFilesFuzzTests {
    @Test func accountFilesNeverTrapAndFindWhatTheyAdd() {
        var fuzz = Fuzz(0xACC7)
        let pieces = ["root", "sandbox", ":", "x", "0", "1000", "1001", "4294967296", "/home/a", "\n", ",", "#", "", " ", "é", "-1"]
        for _ in 0..<5_000 {
            var files = AccountFiles(passwd: fuzz.text(from: pieces, length: 24), group: fuzz.text(from: pieces, length: 16))
            let user = fuzz.pick([SandboxUser.unprivileged, .named("root"), .id(uid: 1000, gid: nil), .id(uid: 0, gid: 5), .id(uid: 1001, gid: 1000)])
            guard let (account, _) = files.ensure(user) else { continue }
            let again = files.account(user)
            #expect(again?.uid == account.uid && again?.gid == account.gid, "\(user): \(files.passwdText.debugDescription)")
        }
    }
}
