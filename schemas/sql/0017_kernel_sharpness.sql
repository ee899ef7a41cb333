-- The kernel sharpness γ of the SW router's weights 10 · 10^(γ · s / max s) (docs/METHOD.md),
-- chosen for a ratings version by cross-validation on its battles (`routing.kernel_sharpness:
-- "auto"`, and every `routeledger import --database`). Routers that follow the table rank with
-- the newest version's γ as they take its tiers.

-- NULL: nobody chose one for this version (a learn stage with a fixed sharpness, and every
-- version recorded before this migration); a router set to auto then chooses at load.
ALTER TABLE ratings_versions ADD COLUMN kernel_sharpness double precision CHECK (kernel_sharpness BETWEEN 0 AND 64);

-- What the choice rests on: per candidate γ, the mean held-out log-likelihood per prompt of the
-- prompts' own battles, and its mean difference from γ = 1 with the standard error of that mean.
-- No rows for a version without a choice, or one whose memory was too small to hold prompts out
-- (it keeps γ = 1).
CREATE TABLE kernel_sharpness_scores (
    ratings_version bigint NOT NULL REFERENCES ratings_versions (id),
    sharpness double precision NOT NULL CHECK (sharpness BETWEEN 0 AND 64),
    mean_log_likelihood double precision NOT NULL,
    gain_over_routellm double precision NOT NULL,
    standard_error double precision NOT NULL CHECK (standard_error >= 0),
    held_out_prompts integer NOT NULL CHECK (held_out_prompts > 0),
    held_out_battles integer NOT NULL CHECK (held_out_battles > 0),
    PRIMARY KEY (ratings_version, sharpness)
);

GRANT SELECT, INSERT ON kernel_sharpness_scores TO {{writer}};
GRANT SELECT ON kernel_sharpness_scores TO {{auditor}};
