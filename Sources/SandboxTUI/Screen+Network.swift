import SandboxKit

extension Screen {
    /// The start of a sandbox's second line when its network is not the default isolation:
    /// `!net` in the error colour where nothing keeps it in, `allow` for an allow-list.
    static func networkMarker(_ isolation: Isolation?, _ g: Glyphs) -> (text: String, role: Role)? {
        switch isolation {
        case .open: ("!net \(g.dot) ", .error)
        case .allowList: ("allow \(g.dot) ", .info)
        case .isolated, .offline, nil: nil
        }
    }
}
