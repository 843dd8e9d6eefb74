import SandboxKit

extension Screen {
    /// The start of a sandbox's second line when its network is not the default isolation:
    /// `!net` in the error colour where nothing keeps it in, `allow` for an allow-list; then, when
    /// the network refused it anything, how often (`egress` lists what), in the error colour.
    static func networkMarker(_ info: SandboxInfo, _ g: Glyphs) -> (text: String, role: Role)? {
        let denied = info.denials > 0 ? "denied \(info.denials) \(g.dot) " : ""
        switch info.isolation {
        case .open: return ("!net \(g.dot) " + denied, .error)
        case .allowList: return ("allow \(g.dot) " + denied, denied.isEmpty ? .info : .error)
        case .isolated, .offline, nil: return denied.isEmpty ? nil : (denied, .error)
        }
    }
}
