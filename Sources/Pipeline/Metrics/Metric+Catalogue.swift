/// Every metric `routeledger run` exports; docs/OPERATIONS.md describes each with its labels.
extension Metric {
    static let latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

    // Every stage.
    public static let eventsIn = Metric("routeledger_events_in_total", .counter,
                                        "Records a stage read from Kafka (label stage).")
    public static let eventsOut = Metric("routeledger_events_out_total", .counter,
                                         "Records a stage wrote (labels stage, output: a topic, or a table for the learn stage).")
    public static let deadLetters = Metric("routeledger_dead_letters_total", .counter,
                                           "Events sent to the dead-letter topic (labels stage, reason).")
    public static let consumerLag = Metric("routeledger_consumer_lag", .gauge,
                                           "Records written to a partition the stage owns and not yet read by it (labels stage, topic, partition).")
    public static let stageStalls = Metric("routeledger_stage_stalls_total", .counter,
                                           "Stalls: a stage held partitions with records waiting and did nothing for limits.stall_after_seconds (label stage).")
    public static let batchSize = Metric("routeledger_batch_size", .histogram, "Events per micro-batch (label stage).",
                                         buckets: [1, 8, 32, 64, 128, 256, 512, 1024])

    // The route stage.
    public static let decisions = Metric("routeledger_decisions_total", .counter, "Decisions produced (label model: the chosen one).")
    public static let batchSeconds = Metric("routeledger_batch_seconds", .histogram,
                                            "Route stage: time from a batch's poll to its commit, the longest a decision waited in the stage.",
                                            buckets: latencyBuckets)
    public static let decisionLatency = Metric("routeledger_decision_latency_seconds", .histogram,
                                               "Time from a query's Kafka timestamp to the commit of its decision, waiting in Kafka included.",
                                               buckets: latencyBuckets + [10, 30, 60, 300])
    public static let embeddingSeconds = Metric("routeledger_embedding_seconds", .histogram,
                                                "Route stage: time to embed the prompts of one batch (batches with prompts to embed).",
                                                buckets: latencyBuckets)
    public static let embeddedTexts = Metric("routeledger_embedded_texts_total", .counter, "Prompts the route stage embedded.")
    public static let promptCacheHits = Metric("routeledger_prompt_cache_hits_total", .counter,
                                               "Route stage: prompts whose vector came from the prompt cache (or an earlier copy in the batch).")
    public static let promptCacheMisses = Metric("routeledger_prompt_cache_misses_total", .counter,
                                                 "Route stage: distinct prompts the embedder ran on, with the prompt cache on.")
    public static let rankingSeconds = Metric("routeledger_ranking_seconds", .histogram,
                                              "Route stage: time to rank one batch's queries over the battle memory.",
                                              buckets: latencyBuckets)
    public static let strongShare = Metric("routeledger_strong_share", .gauge,
                                           "Share of this process's decisions that chose the reference (strong) model.")
    public static let estimatedCost = Metric("routeledger_estimated_cost_usd_total", .counter,
                                             "Estimated cost of the decisions made, dollars (exact to the micro-dollar).")
    public static let referenceCost = Metric("routeledger_reference_cost_usd_total", .counter,
                                             "What the same queries would have cost on the reference model, dollars (exact).")
    public static let estimatedSavings = Metric("routeledger_estimated_savings_usd", .gauge,
                                                "Reference cost minus estimated cost of the decisions made, dollars (exact).")
    public static let routerInfo = Metric("routeledger_router_info", .gauge,
                                          "The router in use (labels ratings_version, router_version); always 1.")

    public static let threshold = Metric("routeledger_threshold", .gauge,
                                         "Threshold of the route stage's latest batch: the configured or calibrated one, or the budget controller's.")
    public static let priceBookVersion = Metric("routeledger_price_book_version", .gauge,
                                                "Highest id of the price book rows the route stage has read and estimates from (label stage: route); absent without a database.")

    // The budget controller (budget.enabled).
    public static let thresholdChanges = Metric("routeledger_threshold_changes_total", .counter,
                                                "Changes the budget controller made to the threshold (label direction: up, down).")
    public static let budgetTargetStrongShare = Metric("routeledger_budget_target_strong_share", .gauge,
                                                       "The budget controller's target share of decisions on the reference model.")
    public static let budgetTargetSpend = Metric("routeledger_budget_target_usd_per_hour", .gauge,
                                                 "The budget controller's target estimated spend, dollars per hour (exact).")
    public static let budgetWindowDecisions = Metric("routeledger_budget_window_decisions", .gauge,
                                                     "Decisions in the budget controller's window at its latest evaluation.")
    public static let budgetWindowStrongShare = Metric("routeledger_budget_window_strong_share", .gauge,
                                                       "Share of the window's decisions that went to the reference model.")
    public static let budgetWindowSpend = Metric("routeledger_budget_window_usd_per_hour", .gauge,
                                                 "The window's estimated spend, dollars per hour (exact to the micro-dollar).")
    public static let budgetWindowThreshold = Metric("routeledger_budget_window_threshold", .gauge,
                                                     "The threshold that would have met the target over the window, before bounds and step limit.")
    public static let budgetBounded = Metric("routeledger_budget_bounded", .gauge,
                                             "1 when the target lies beyond budget.min_threshold / max_threshold, so the bound holds the threshold.")

    // The learn stage.
    public static let votes = Metric("routeledger_votes_total", .counter, "Vote events read by the learn stage.")
    public static let battlesStored = Metric("routeledger_battles_stored_total", .counter, "Votes stored as new battles.")
    public static let duplicateVotes = Metric("routeledger_duplicate_votes_total", .counter, "Votes whose id was stored before (ignored).")
    public static let queryPromptsRecorded = Metric("routeledger_query_prompts_recorded_total", .counter,
                                                    "Prompts of routed queries recorded for votes that name their query.")
    public static let pendingVotes = Metric("routeledger_pending_votes", .gauge, "Votes waiting for the prompt of the query they name.")
    public static let learnBatchSeconds = Metric("routeledger_learn_batch_seconds", .histogram,
                                                 "Time from a batch's poll to its commit in the learn stage.", buckets: latencyBuckets)
    public static let refits = Metric("routeledger_refits_total", .counter, "Refits of the global ratings and tiers (label reason).")
    public static let refitSeconds = Metric("routeledger_refit_seconds", .histogram,
                                            "Time to refit ratings, bootstrap intervals and tiers over the configured models' battles.",
                                            buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
    public static let ratingsRefused = Metric("routeledger_ratings_refused_total", .counter,
                                              "Refits not recorded as ratings versions (label reason: routing_pair_collapsed); an alarm.")
    public static let ratingsVersion = Metric("routeledger_ratings_version", .gauge,
                                              "Id of the ratings version in use, ratings-<id> (label stage: learn's newest, or the route stage's).")
    public static let kernelSharpness = Metric("routeledger_kernel_sharpness", .gauge,
                                               "Kernel sharpness γ (label stage: the one learn's newest ratings version chose, or the one the route stage ranks with).")
    public static let modelRating = Metric("routeledger_model_rating", .gauge,
                                           "Global rating of a model (labels model, kind: bradley_terry from the refit, or elo online).")
    public static let modelTier = Metric("routeledger_model_tier", .gauge,
                                         "Tier of a model in the newest ratings version, 0 the strongest (label model).")

    // A route stage following the learn stage (memory "database").
    public static let routerSwapSeconds = Metric("routeledger_router_swap_seconds", .histogram,
                                                 "Time to read what the learn stage added and build the next snapshot.",
                                                 buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5])
    public static let routerSwaps = Metric("routeledger_router_swaps_total", .counter, "Snapshots swapped into the route stage while running.")
    public static let routerBattles = Metric("routeledger_router_battles", .gauge, "Battles the router ranks with.")
    public static let tenantBudgetSpent = Metric("routeledger_tenant_budget_spent_usd", .gauge,
                                                 "A budgeted tenant's spend in its budget period as the route stage counts it (booked in the ledger plus its own decisions not yet booked), dollars.")
    public static let routerMemoryStrongShare = Metric("routeledger_router_memory_strong_share", .gauge,
                                                       "Share of the memory's prompts the router's threshold sends to the strong model; a warning is logged outside 0.05–0.95.")
    public static let liveStrongShare = Metric("routeledger_live_strong_share", .gauge,
                                               "Share of the route stage's latest queries (routing.live_window, from routing.live_minimum on) its threshold sends to the strong model; a warning is logged outside 0.05–0.95 and past routing.strong_share_drift from routing.strong_share.")
    public static let strongShareWarnings = Metric("routeledger_strong_share_warnings_total", .counter,
                                                   "Strong share warnings the route stage logged (labels sample: memory or live; reason: outside 0.05–0.95, or drift from routing.strong_share).")

    // The ledger stage.
    public static let ledgerRows = Metric("routeledger_ledger_rows_total", .counter, "Decisions the ledger stage recorded as new ledger rows.")
    public static let ledgerDuplicateDecisions = Metric("routeledger_ledger_duplicate_decisions_total", .counter,
                                                        "Decisions already in the ledger (a replay by the route stage), not recorded again.")
    public static let ledgerUsage = Metric("routeledger_ledger_usage_total", .counter,
                                           "Usage reports the ledger stage took (label outcome: recorded; recorded_differing, those of them naming another model or query than their decision; held until the decision arrives).")
    public static let ledgerPairingHeld = Metric("routeledger_ledger_pairing_held", .gauge,
                                                 "Decisions and usage reports the ledger stage holds in memory, waiting for their counterpart.")
    public static let ledgerBatchSeconds = Metric("routeledger_ledger_batch_seconds", .histogram,
                                                  "Time from a batch's poll to its commit in the ledger stage.", buckets: latencyBuckets)

    public static let all: [Metric] = [
        eventsIn, eventsOut, deadLetters, consumerLag, stageStalls, batchSize,
        decisions, batchSeconds, decisionLatency, embeddingSeconds, embeddedTexts, promptCacheHits, promptCacheMisses, rankingSeconds, strongShare,
        estimatedCost, referenceCost, estimatedSavings, routerInfo, threshold, priceBookVersion,
        thresholdChanges, budgetTargetStrongShare, budgetTargetSpend, budgetWindowDecisions, budgetWindowStrongShare,
        budgetWindowSpend, budgetWindowThreshold, budgetBounded,
        votes, battlesStored, duplicateVotes, queryPromptsRecorded, pendingVotes, learnBatchSeconds, refits, refitSeconds,
        ratingsRefused, ratingsVersion, kernelSharpness, modelRating, modelTier,
        routerSwapSeconds, routerSwaps, routerBattles, routerMemoryStrongShare, liveStrongShare, strongShareWarnings, tenantBudgetSpent,
        ledgerRows, ledgerDuplicateDecisions, ledgerUsage, ledgerPairingHeld, ledgerBatchSeconds,
    ]
}
