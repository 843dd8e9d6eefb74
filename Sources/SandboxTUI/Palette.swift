/// Nearest colours for terminals without true colour.
enum Palette {
    static func xterm256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int {
        let levels = [0, 95, 135, 175, 215, 255]
        func nearest(_ v: UInt8) -> Int { levels.indices.min { abs(levels[$0] - Int(v)) < abs(levels[$1] - Int(v)) }! }
        let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b))
        let cube = 16 + 36 * ri + 6 * gi + bi
        let cubeDistance = distance((levels[ri], levels[gi], levels[bi]), (Int(r), Int(g), Int(b)))
        let grayLevel = min(23, max(0, (Int(r) + Int(g) + Int(b)) / 3 - 8) / 10)
        let gray = 8 + grayLevel * 10
        return distance((gray, gray, gray), (Int(r), Int(g), Int(b))) < cubeDistance ? 232 + grayLevel : cube
    }

    static func basic(_ r: UInt8, _ g: UInt8, _ b: UInt8, bright: Bool) -> Int {
        let base = [(0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229)]
        let brights = [(127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255)]
        let candidates = base + (bright ? brights : [])
        return candidates.indices.min { distance(candidates[$0], (Int(r), Int(g), Int(b))) < distance(candidates[$1], (Int(r), Int(g), Int(b))) }!
    }

    private static func distance(_ a: (Int, Int, Int), _ b: (Int, Int, Int)) -> Int {
        (a.0 - b.0) * (a.0 - b.0) + (a.1 - b.1) * (a.1 - b.1) + (a.2 - b.2) * (a.2 - b.2)
    }
}
