import Embeddings
import Foundation
import Kafka
import Ledger
import Ranking

/// Everything `routeledger run` needs, from one JSON file (ops/routeledger.example.json shows
/// every setting) plus environment overrides. Invalid configuration is refused at start with
/// every problem listed.
public struct RouteLedgerConfiguration: Sendable {
    public struct Kafka: Sendable {
        public var bootstrapServers = "localhost:9092"
        public var groupID = "routeledger-route"
        /// The route stage's transactional id with `exactly_once`: stable per instance, so a
        /// restarted instance fences its former self. Defaults to group id + host name.
        public var transactionalID = "routeledger-route-" + (ProcessInfo.processInfo.hostName)
        /// Passed to librdkafka as they are (TLS, SASL, timeouts…), for every client; the
        /// consumer and producer maps add settings for one kind of client only.
        public var properties: [String: String] = [:]
        public var consumerProperties: [String: String] = [:]
        public var producerProperties: [String: String] = [:]
    }

    public struct Topics: Sendable {
        public var queries = "llm.queries"
        public var decisions = "llm.decisions"
        public var deadLetter = "llm.deadletter"
        public var usage = "llm.usage"
        public var votes = "llm.votes"
        /// Every change the budget controller makes to the threshold.
        public var thresholds = "llm.thresholds"
        /// A model's decisions go to this prefix + the model's name, escaped where Kafka does
        /// not allow its characters (`KafkaTopicName.escaped`)…
        public var routePrefix = "llm.route."
        /// …or to the topic its `models[].topic` names, by configured name.
        public var modelTopics: [String: String] = [:]

        public func route(for model: String) -> String { modelTopics[model] ?? routePrefix + KafkaTopicName.escaped(model) }
    }

    public struct Model: Sendable {
        public var name: String
        public var price: TokenPrice
        /// Other names of the model (a hub's `org/model`, a file's column), which every name that
        /// comes in may use instead (`ModelNames`).
        public var aliases: [String]

        public init(name: String, price: TokenPrice, aliases: [String] = []) {
            self.name = name
            self.price = price
            self.aliases = aliases
        }
    }

    public enum Threshold: Sendable, Equatable {
        /// Route to the reference when its win rate is ≥ this value.
        case fixed(Double)
        /// Calibrate the threshold at start so this share of recent queries would go strong.
        case strongShare(Double)

        /// The share calibrated for, if any.
        public var calibratedShare: Double? {
            if case .strongShare(let share) = self { share } else { nil }
        }
    }

    public struct Routing: Sendable {
        /// The reference: the strongest model, what a query would cost without routing.
        public var strong = ""
        /// The cheaper models it may route to (one for RouteLLM's two-model case).
        public var cheaper: [String] = []
        public var threshold = Threshold.fixed(0.5)
        /// Part of every decision id: bump it when the routing policy changes.
        public var routerVersion = "sw-v1"
        public var tiers = 10
        public var sameTierRule = SameTierRule.exclude
        /// γ of the similarity kernel `10 · 10^(γ · s / max s)`: RouteLLM's 1, another number, or
        /// chosen by cross-validation on the memory (`auto`: at every refit of the ratings, and
        /// by the router when its memory has no choice stored).
        public var kernelSharpness = KernelSharpness.routeLLM
        /// Output tokens assumed for a decision's cost estimate when the query gives no limit.
        public var estimatedOutputTokens: Int64 = 256
        /// How far the live strong share may stray from `strong_share` before a warning.
        public var strongShareDrift = 0.15
        /// The latest decided queries a route stage keeps (their vectors, and what the router in
        /// use makes of them): the live traffic its strong share is measured and calibrated on.
        public var liveWindow = 2_000
        /// The fewest of them the live strong share is reported on and a `strong_share`
        /// calibrated on; with fewer the memory's prompts stand in for the traffic.
        public var liveMinimum = 500
    }

    public struct Batch: Sendable {
        public var maxEvents = 256
        public var lingerMilliseconds = 20
    }

    /// The learn stage, and how routers follow what it learns (docs/LEARNING.md).
    public struct Learning: Sendable {
        /// Consumer group of the learn stage (it reads the votes and the queries topics).
        public var groupID = "routeledger-learn"
        /// K of the online Elo step applied per vote.
        public var eloK = 4.0
        /// Refit ratings and tiers after this many new battles…
        public var refitEveryVotes = 1_000
        /// …or when this much time has passed since the last refit and there are new battles.
        public var refitIntervalSeconds = 600.0
        /// Refits start at least this far apart, whatever makes them due: a stream of votes
        /// cannot keep the learn stage refitting.
        public var minRefitIntervalSeconds = 10.0
        /// Store votes naming models outside `models` as battles (never fitted or routed with)
        /// instead of dead-lettering them `unknown_model`.
        public var acceptUnknownModels = false
        public var bootstrapRounds = 100
        /// How long a vote that names only its query waits for that query to be recorded.
        public var queryWaitSeconds = 30.0
        /// Routed prompts are kept this long for votes to refer to.
        public var queryRetentionHours = 168.0
        /// A router rebuilds and swaps its snapshot at most this often.
        public var followIntervalMilliseconds = 1_000
    }

    /// The ledger stage (docs/LEDGER.md).
    public struct LedgerStageSettings: Sendable {
        /// Consumer group of the ledger stage (it reads the decisions and usage topics); its
        /// offsets live in PostgreSQL under this name.
        public var groupID = "routeledger-ledger"
        /// Records per ledger transaction at most (a batch is what one poll returns).
        public var batchRecords = 2_000
        /// A decision waits this long for its usage report (and a report for its decision)
        /// before it is written alone; 0 writes every record as soon as it is read.
        public var pairingWindowMilliseconds = 5_000
        /// At most this many records wait so; beyond it the oldest are written alone.
        public var pairingMaxRecords = 100_000
        /// A usage report whose decision is not in the ledger waits this long in the holding
        /// table, then goes to the dead-letter topic (`no_decision`).
        public var usageWaitSeconds = 604_800
    }

    public var kafka = Kafka()
    public var topics = Topics()
    public var models: [Model] = []
    public var routing = Routing()
    public var batch = Batch()
    public var learning = Learning()
    public var ledger = LedgerStageSettings()
    /// The online budget controller; nil (the default) keeps the threshold fixed.
    public var budget: BudgetSettings?
    /// How often a route stage reads the tenant budgets and the spend the ledger booked
    /// (`tenant_budgets.refresh_seconds`); nil (the default, `tenant_budgets.enabled` false)
    /// holds no tenant to a budget.
    public var tenantBudgetRefreshSeconds: Double?
    /// What embeds queries and votes; nil with `embedder.kind: given`, where every event brings
    /// its own vector.
    public var embedder: EmbedderChoice? = .minilm
    public var modelDirectory: String?
    /// The MiniLM encoder's arithmetic (`embedder.precision`); part of the embedder's identity,
    /// so it must be the precision the memory was embedded at.
    public var encoderPrecision = EncoderPrecision.float
    /// Distinct prompts whose vectors the route stage keeps (`embedder.cache_entries`); 0 turns
    /// the cache off.
    public var embeddingCacheEntries = 10_000
    public var memoryPath = ""
    public var memoryLimits = MemoryLimits()
    public var exactlyOnce = false
    public var maxPromptBytes = 262_144
    /// A stage holding partitions with records waiting that decides or records nothing this
    /// long is stalled (logged, counted, not ready); a poll loop silent this long is not ready.
    public var stallAfterSeconds = 60
    public var databaseURL: String?

    public init() {}

    /// The configured names and their aliases, which every model name that comes in goes through.
    public var modelNames: ModelNames { ModelNames(models) }

    /// `memory` names this instead of a directory when the battle memory is PostgreSQL's
    /// `battles` table, which routers then follow as the learn stage adds to it.
    public static let databaseMemory = "database"

    public var memoryIsDatabase: Bool { memoryPath == Self.databaseMemory }

    /// Environment variables that override the file, and the setting each one sets.
    public static let environmentOverrides: [(variable: String, setting: String)] = [
        ("KAFKA_BOOTSTRAP_SERVERS", "kafka.bootstrap_servers"),
        ("ROUTELEDGER_GROUP_ID", "kafka.group_id"),
        ("ROUTELEDGER_MEMORY", "memory"),
        ("ROUTELEDGER_EMBEDDER", "embedder.kind"),
        ("ROUTELEDGER_MODEL_DIR", "embedder.model_dir"),
        ("ROUTELEDGER_EMBEDDER_PRECISION", "embedder.precision"),
        ("ROUTELEDGER_THRESHOLD", "routing.threshold"),
        ("ROUTELEDGER_STRONG_SHARE", "routing.strong_share"),
        ("ROUTELEDGER_ROUTER_VERSION", "routing.router_version"),
        ("ROUTELEDGER_KERNEL_SHARPNESS", "routing.kernel_sharpness"),
        ("ROUTELEDGER_EXACTLY_ONCE", "exactly_once"),
        ("ROUTELEDGER_BATCH_MAX_EVENTS", "batch.max_events"),
        ("ROUTELEDGER_BATCH_LINGER_MS", "batch.linger_ms"),
        ("ROUTELEDGER_DATABASE_URL", "database.url"),
    ]
    /// `ROUTELEDGER_KAFKA_SASL_PASSWORD=…` sets the librdkafka property `sasl.password`.
    public static let kafkaPropertyPrefix = "ROUTELEDGER_KAFKA_"

    /// Reads the file, applies the environment, and checks the result.
    public static func load(file: URL?, environment: [String: String]) throws(ConfigurationError) -> RouteLedgerConfiguration {
        var settings = try file.map(ConfigurationFile.read) ?? [:]
        var problems: [String] = []
        applyEnvironment(environment, to: &settings, problems: &problems)
        let reader = SettingsReader(settings)
        var configuration = RouteLedgerConfiguration()
        configuration.read(reader)
        reader.finish()
        problems += reader.problems
        problems += configuration.consistencyProblems()
        guard problems.isEmpty else { throw ConfigurationError(problems: problems) }
        return configuration
    }

    private static func applyEnvironment(_ environment: [String: String], to settings: inout [String: Any], problems: inout [String]) {
        for (variable, setting) in environmentOverrides {
            guard let text = environment[variable] else { continue }
            let value: Any
            switch setting {
            case "exactly_once":
                guard let flag = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                    problems.append("\(variable): expected true or false, got '\(text)'")
                    continue
                }
                value = flag
            case "routing.threshold", "routing.strong_share", "batch.max_events", "batch.linger_ms":
                guard let number = Double(text) else {
                    problems.append("\(variable): expected a number, got '\(text)'")
                    continue
                }
                value = setting.hasPrefix("batch.") ? NSNumber(value: Int(exactly: number) ?? -1) : NSNumber(value: number)
            case "routing.kernel_sharpness":
                // A number as the file would give it, so both are checked by one rule.
                value = Double(text).map { NSNumber(value: $0) } ?? text
            default:
                value = text
            }
            // A threshold from the environment replaces a share from the file, and back.
            if setting == "routing.threshold" { removeNested(&settings, path: ["routing", "strong_share"]) }
            if setting == "routing.strong_share" { removeNested(&settings, path: ["routing", "threshold"]) }
            setNested(&settings, path: setting.split(separator: ".").map(String.init), value: value)
        }
        for (variable, text) in environment where variable.hasPrefix(kafkaPropertyPrefix) {
            let property = variable.dropFirst(kafkaPropertyPrefix.count).lowercased().replacingOccurrences(of: "_", with: ".")
            setNested(&settings, path: ["kafka", "properties", property], value: text)
        }
    }

    private static func setNested(_ object: inout [String: Any], path: [String], value: Any) {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = value
            return
        }
        var child = object[key] as? [String: Any] ?? [:]
        setNested(&child, path: Array(path.dropFirst()), value: value)
        object[key] = child
    }

    private static func removeNested(_ object: inout [String: Any], path: [String]) {
        guard let key = path.first else { return }
        if path.count == 1 {
            object[key] = nil
        } else if var child = object[key] as? [String: Any] {
            removeNested(&child, path: Array(path.dropFirst()))
            object[key] = child
        }
    }

    private mutating func read(_ reader: SettingsReader) {
        if let section = reader.object("kafka") {
            kafka.bootstrapServers = section.string("bootstrap_servers") ?? kafka.bootstrapServers
            kafka.groupID = section.string("group_id") ?? kafka.groupID
            kafka.transactionalID = section.string("transactional_id") ?? "\(kafka.groupID)-\(ProcessInfo.processInfo.hostName)"
            kafka.properties = section.stringMap("properties") ?? [:]
            kafka.consumerProperties = section.stringMap("consumer_properties") ?? [:]
            kafka.producerProperties = section.stringMap("producer_properties") ?? [:]
            section.finish()
        }
        if let section = reader.object("topics") {
            topics.queries = section.string("queries") ?? topics.queries
            topics.decisions = section.string("decisions") ?? topics.decisions
            topics.deadLetter = section.string("deadletter") ?? topics.deadLetter
            topics.usage = section.string("usage") ?? topics.usage
            topics.votes = section.string("votes") ?? topics.votes
            topics.thresholds = section.string("thresholds") ?? topics.thresholds
            topics.routePrefix = section.string("route_prefix") ?? topics.routePrefix
            section.finish()
        }
        var meaningOf: [String: (model: String, isAlias: Bool)] = [:]
        for entry in reader.objects("models") ?? [] {
            let name = entry.string("name")
            let input = entry.string("input_per_million")
            let output = entry.string("output_per_million")
            // Components some providers bill apart; absent: not billed apart (TokenPrice).
            let apart = [("cached_input_per_million", PriceComponent.cachedInput), ("reasoning_per_million", .reasoning),
                         ("per_request", .perRequest)].compactMap { key, component in entry.string(key).map { (key, component, $0) } }
            let aliases = entry.strings("aliases") ?? []
            let topic = entry.string("topic")
            entry.finish()
            guard let name, !name.isEmpty else {
                entry.problem("name", "every model needs a name")
                continue
            }
            Self.checkNames(of: entry, name: name, aliases: aliases, meaningOf: &meaningOf)
            if let topic { topics.modelTopics[name] = topic }
            guard let input, let output else {
                entry.problem("input_per_million", "give input_per_million and output_per_million as decimal strings of dollars, e.g. \"10.00\"")
                continue
            }
            var components: [PriceComponent: MicroUSD] = [:]
            for (key, component, text) in [("input_per_million", PriceComponent.input, input), ("output_per_million", .output, output)] + apart {
                guard let amount = MicroUSD(dollars: text), TokenPrice.allowedAmounts.contains(amount) else {
                    entry.problem(key, "prices are decimal strings of dollars with at most six decimals, between 0 and 1000000")
                    continue
                }
                components[component] = amount
            }
            guard components.count == 2 + apart.count, let price = TokenPrice(components: components) else { continue }
            models.append(Model(name: name, price: price, aliases: aliases))
        }
        if let section = reader.object("routing") {
            let names = modelNames
            routing.strong = section.string("strong").map(names.resolve) ?? ""
            if let weak = section.string("weak") { routing.cheaper = [names.resolve(weak)] }
            if let cheaper = section.strings("cheaper") {
                if section.string("weak") != nil { section.problem("cheaper", "give weak or cheaper, not both") }
                routing.cheaper = cheaper.map(names.resolve)
            }
            let fixed = section.number("threshold", in: 0...1)
            let share = section.number("strong_share", in: 0...1)
            switch (fixed, share) {
            case (let value?, nil): routing.threshold = .fixed(value)
            case (nil, let value?): routing.threshold = .strongShare(value)
            case (_?, _?): section.problem("threshold", "give threshold or strong_share, not both")
            case (nil, nil): break
            }
            routing.routerVersion = section.string("router_version") ?? routing.routerVersion
            routing.tiers = section.integer("tiers", in: 1...100) ?? routing.tiers
            routing.sameTierRule = section.choice("same_tier_rule", from: SameTierRule.allCases.map { ($0.rawValue, $0) })
                ?? routing.sameTierRule
            routing.kernelSharpness = section.kernelSharpness("kernel_sharpness") ?? routing.kernelSharpness
            if let tokens = section.integer("estimated_output_tokens", in: 0...1_000_000) { routing.estimatedOutputTokens = Int64(tokens) }
            routing.strongShareDrift = section.number("strong_share_drift", in: 0...1) ?? routing.strongShareDrift
            routing.liveWindow = section.integer("live_window", in: 1...100_000) ?? routing.liveWindow
            routing.liveMinimum = section.integer("live_minimum", in: 1...100_000) ?? routing.liveMinimum
            if routing.liveMinimum > routing.liveWindow {
                section.problem("live_minimum", "expected at most live_window (\(routing.liveWindow)): the window never holds more")
            }
            section.finish()
        }
        if let section = reader.object("batch") {
            batch.maxEvents = section.integer("max_events", in: 1...100_000) ?? batch.maxEvents
            batch.lingerMilliseconds = section.integer("linger_ms", in: 0...60_000) ?? batch.lingerMilliseconds
            section.finish()
        }
        if let section = reader.object("learning") {
            learning.groupID = section.string("group_id") ?? learning.groupID
            learning.eloK = section.number("elo_k", in: 0.001...1_000) ?? learning.eloK
            learning.refitEveryVotes = section.integer("refit_every_votes", in: 1...100_000_000) ?? learning.refitEveryVotes
            learning.refitIntervalSeconds = section.number("refit_interval_seconds", in: 1...31_536_000) ?? learning.refitIntervalSeconds
            learning.minRefitIntervalSeconds = section.number("min_refit_interval_seconds", in: 0...86_400)
                ?? learning.minRefitIntervalSeconds
            learning.acceptUnknownModels = section.bool("accept_unknown_models") ?? learning.acceptUnknownModels
            learning.bootstrapRounds = section.integer("bootstrap_rounds", in: 1...100_000) ?? learning.bootstrapRounds
            learning.queryWaitSeconds = section.number("query_wait_seconds", in: 0...86_400) ?? learning.queryWaitSeconds
            learning.queryRetentionHours = section.number("query_retention_hours", in: 0.001...876_000) ?? learning.queryRetentionHours
            learning.followIntervalMilliseconds = section.integer("follow_interval_ms", in: 0...3_600_000)
                ?? learning.followIntervalMilliseconds
            section.finish()
        }
        if let section = reader.object("ledger") {
            ledger.groupID = section.string("group_id") ?? ledger.groupID
            ledger.batchRecords = section.integer("batch_records", in: 1...100_000) ?? ledger.batchRecords
            ledger.pairingWindowMilliseconds = section.integer("pairing_window_ms", in: 0...3_600_000)
                ?? ledger.pairingWindowMilliseconds
            ledger.pairingMaxRecords = section.integer("pairing_max_records", in: 0...10_000_000) ?? ledger.pairingMaxRecords
            ledger.usageWaitSeconds = section.integer("usage_wait_seconds", in: 1...31_536_000) ?? ledger.usageWaitSeconds
            section.finish()
        }
        if let section = reader.object("budget") { budget = BudgetSettings.read(section) }
        if let section = reader.object("tenant_budgets") {
            let refresh = section.number("refresh_seconds", in: 0.1...3_600) ?? 5
            if section.bool("enabled") ?? false { tenantBudgetRefreshSeconds = refresh }
            section.finish()
        }
        if let section = reader.object("embedder") {
            let kinds = EmbedderChoice.allCases.map { ($0.rawValue, Optional($0)) } + [("given", nil)]
            if let kind = section.choice("kind", from: kinds) { embedder = kind }
            modelDirectory = section.string("model_dir")
            if let precision = section.choice("precision", from: EncoderPrecision.allCases.map { ($0.rawValue, $0) }) {
                encoderPrecision = precision
            }
            if let entries = section.integer("cache_entries", in: 0...10_000_000) { embeddingCacheEntries = entries }
            section.finish()
        }
        memoryPath = reader.string("memory") ?? ""
        if let section = reader.object("memory_limits") {
            memoryLimits.maxBattles = section.integer("max_battles", in: 1...100_000_000)
            if let quotas = section.object("max_battles_per_source") {
                for source in quotas.keys {
                    if let cap = quotas.integer(source, in: 0...100_000_000) { memoryLimits.maxBattlesPerSource[source] = cap }
                }
                quotas.finish()
            }
            memoryLimits.halfLifeHours = section.number("half_life_hours", in: 0.001...1_000_000)
            section.finish()
        }
        exactlyOnce = reader.bool("exactly_once") ?? false
        if let section = reader.object("limits") {
            maxPromptBytes = section.integer("max_prompt_bytes", in: 1...16_777_216) ?? maxPromptBytes
            stallAfterSeconds = section.integer("stall_after_seconds", in: 1...86_400) ?? stallAfterSeconds
            section.finish()
        }
        if let section = reader.object("database") {
            databaseURL = section.string("url")
            section.finish()
        }
    }

    /// A name or alias may mean one model only: refuses an alias that is already a model's name
    /// or another alias, and a name that is an earlier alias (`meaningOf` holds the names and
    /// aliases read so far, each with its model). A name given twice is `consistencyProblems`'s.
    private static func checkNames(of entry: SettingsReader, name: String, aliases: [String],
                                   meaningOf: inout [String: (model: String, isAlias: Bool)]) {
        func meaning(_ text: String) -> String {
            guard let meaning = meaningOf[text] else { return "" }
            return meaning.isAlias ? "an alias of '\(meaning.model)'" : "the name of '\(meaning.model)'"
        }
        if meaningOf[name]?.isAlias == true { entry.problem("name", "'\(name)' is already \(meaning(name))") }
        meaningOf[name] = (name, false)
        for alias in aliases {
            if alias.isEmpty {
                entry.problem("aliases", "an alias cannot be empty")
            } else if meaningOf[alias] != nil {
                entry.problem("aliases", "'\(alias)' is already \(meaning(alias))")
            } else {
                meaningOf[alias] = (name, true)
            }
        }
    }

    /// Problems that involve several settings at once.
    private func consistencyProblems() -> [String] {
        var problems: [String] = []
        let names = models.map(\.name)
        if names.isEmpty { problems.append("models: configure at least two models with their prices") }
        for name in Set(names) where names.count(where: { $0 == name }) > 1 {
            problems.append("models: '\(name)' is configured more than once")
        }
        if routing.strong.isEmpty {
            problems.append("routing.strong: name the strongest (reference) model")
        } else if !names.contains(routing.strong) {
            problems.append("routing.strong: '\(routing.strong)' is not among the configured models")
        }
        if routing.cheaper.isEmpty { problems.append("routing.weak: name at least one cheaper model (weak, or cheaper: [...])") }
        for model in routing.cheaper where !names.contains(model) {
            problems.append("routing: '\(model)' is not among the configured models")
        }
        if routing.cheaper.contains(routing.strong) { problems.append("routing: the strong model cannot also be a cheaper one") }
        if memoryPath.isEmpty {
            problems.append("memory: give the battle memory directory, or \"\(Self.databaseMemory)\" for PostgreSQL (or ROUTELEDGER_MEMORY)")
        }
        if encoderPrecision != .float, embedder != .minilm {
            problems.append("embedder.precision: '\(encoderPrecision.rawValue)' applies to embedder.kind minilm only")
        }
        if learning.groupID.isEmpty { problems.append("learning.group_id: must not be empty") }
        if ledger.groupID.isEmpty { problems.append("ledger.group_id: must not be empty") }
        problems += topicNameProblems()
        problems += stageOwnedPropertyProblems()
        if kafka.bootstrapServers.isEmpty { problems.append("kafka.bootstrap_servers: must not be empty") }
        return problems
    }
}

/// Every problem found in a configuration, one per line.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let problems: [String]

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
