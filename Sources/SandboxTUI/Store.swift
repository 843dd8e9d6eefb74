import Foundation

/// The console on the main actor: events go through ``Reducer`` one at a time, the effects it
/// returns go to the ``EffectRunner``, and a frame is drawn after a change (at most one per
/// ``frameGap``, so a chatty command is one redraw per frame, not one per line).
@MainActor public final class ConsoleStore {
    public private(set) var state: UIState
    let driver: any TerminalDriver
    private(set) var runner: EffectRunner!
    private var queue: [ConsoleEvent] = []
    private var reducing = false
    private var lastFrame = ContinuousClock.now - .seconds(1)
    static let frameGap = Duration.milliseconds(16)

    init(state: UIState, driver: any TerminalDriver, makeRunner: (_ inbox: AsyncStream<ConsoleEvent>.Continuation,
                                                                   _ send: @escaping (ConsoleEvent) -> Void,
                                                                   _ state: @escaping () -> UIState) -> EffectRunner) {
        self.state = state
        self.driver = driver
        let (inbox, continuation) = AsyncStream.makeStream(of: ConsoleEvent.self)
        runner = makeRunner(continuation, { [weak self] in self?.send($0) }, { [weak self] in self?.state ?? UIState() })
        runner.readInbox(inbox)
    }

    /// Reduces an event (and those its effects send back at once), then schedules a frame.
    public func send(_ event: ConsoleEvent) {
        guard !runner.finished else { return }
        queue.append(event)
        guard !reducing else { return }
        reducing = true
        while !queue.isEmpty {
            let event = queue.removeFirst()
            for effect in Reducer.reduce(&state, event) { runner.run(effect) }
        }
        reducing = false
        guard !runner.finished else { return }
        runner.keepRecoveryCopy()
        runner.scheduleFrame(at: lastFrame + Self.frameGap) { [weak self] in self?.draw() }
    }

    /// Runs until the console ends: the terminal's events are read here, everything else
    /// arrives through the runner's inbox.
    public func run(starting effects: [Effect]) async {
        let (width, height) = driver.size
        send(.resized(width: width, height: height))
        for effect in effects { runner.run(effect) }
        send(.tick(Date()))
        for await event in driver.events {
            switch event {
            case .key(let key): send(.key(key))
            case .resized: send(.resized(width: driver.size.width, height: driver.size.height))
            case .ended: send(.ended)
            }
        }
    }

    private func draw() {
        Reducer.settleEditor(&state)
        let canvas = Screen.render(state, width: state.width, height: state.height)
        driver.draw(canvas)
        runner.recordFrame(canvas)
        lastFrame = .now
    }
}
