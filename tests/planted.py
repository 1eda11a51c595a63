"""Which asserted checks a planted-error test makes fail.

Every asserted check needs a test that plants an error and sees it fail (DESIGN.md, verdicts).
Two kinds of coverage:

* **generic** (``tests/test_planted.py``): every asserted sharp Monte Carlo check, with its
  prediction (the Statement's value) scaled by 1.05 at full size, for fixed seeds;
* **hand-written**: :data:`HAND` lists ``(slug, regex on the check name, test)``: the named test
  plants an error that makes the checks matching the regex fail (deterministic identities,
  bounds, and Monte Carlo checks whose natural plant is a wrong formula rather than a scale).

:data:`UNPLANTED` lists the asserted checks that no planted-error test reaches yet, each with
its reason: known debt, reported in the README, never silently passed.  A check in none of the
three makes ``test_every_asserted_check_is_covered_by_a_planted_test`` fail.
"""

BK = "tests/test_bk_exact.py::"
PT = "tests/test_experiments.py::"
HAND = [
    # -- Bökman–Kahl ----------------------------------------------------------------------
    ("bk-relu-commute", r"commutes, max\|act\(Ax\) - A act\(x\)\|$",
     BK + "test_relu_commute_planted_signed_permutation_is_flagged"),
    ("bk-perm-rep", r"\|T rho T\^-1 - round\| \(cycle\)$",
     BK + "test_perm_rep_planted_scale_is_detected"),
    ("bk-symmetrise", r"\|f_sym - Phi f\|_inf$",
     BK + "test_symmetrise_planted_missing_half_is_detected"),
    ("bk-two-layer", r"equivariance \|f\(rho0 x\) - rho2 f\(x\)\|$|correspondence found",
     BK + "test_two_layer_planted_weight_perturbation_is_detected"),
    ("bk-two-layer", r"two-layer identity f = ",
     BK + "test_two_layer_planted_identity_constant_is_detected"),
    ("bk-counterexample", r"\(a\): f\(rho0 x\) - f\(x\) symbolically",
     BK + "test_counterexample_planted_c1_constant_is_detected"),
    ("bk-counterexample", r"\(b\): max_i \(1 - best positive cos\) = .* \(SymPy, exact\)$",
     BK + "test_counterexample_planted_wrong_action_in_the_statement_fails_the_cosine_gap"),
    ("bk-signed-random", r"^verdict = truth",
     BK + "test_signed_random_planted_label_flip_gives_exactly_one_mismatch"),
    ("bk-deep-recovery", r"^negative signs in the recovered reps$",
     BK + "test_deep_recovery_planted_negative_scale_is_reported_as_a_sign"),
    ("bk-gradcheck", r"\|g_fd - g\|/\|g\|",
     "tests/test_bk_merge.py::test_planted_errors_are_detected"),
    ("bk-cnn-flip", r"^CNN .*max\|f_Ftheta\(x\) - f_theta\(flip x\)\|",
     "tests/test_bk_merge.py::test_planted_errors_are_detected"),
    ("bk-flip-match", r"activation cost max\|C - C\^T\|",
     "tests/test_bk_merge.py::test_planted_errors_are_detected"),
    # -- Petrache–Trivedi -------------------------------------------------------------------
    ("pt-reynolds", (r"<Phi f, h> - <f, Phi h>|Phi\^2 f = Phi f|dist\^2 = e_avg\^2|"
                     r"max_g e_g <= 2 dist|\|\(Phi f \+ t\(f - Phi f\)\) - Phi\("),
     PT + "test_pt_reynolds_detects_average_over_group_minus_one_element"),
    ("pt-approx-budget", r"^\(a\) .*A = \(eta - eps\)\+$",
     "tests/test_pt_approx.py::test_planted_squared_l2_formula_fails"),
    ("pt-approx-budget", r"^\(b\) .*A = \(eta - eps\)\+/2$",
     "tests/test_pt_approx.py::test_planted_z2_without_half_fails"),
    ("pt-approx-sup", r"A_sup < 1e-\d+ at the kink|A_sup <= eta",
     "tests/test_pt_approx.py::test_planted_kink_at_e_avg_fails"),
    ("pt-approx-sup", r"A_sup >= \(eta_sup - eps\)\+/2",
     "tests/test_pt_approx.py::test_planted_lower_bound_without_half_fails"),
    ("pt-approx-lp", r"^LP\(0\) = W1\^\(X/G\)",
     "tests/test_pt_approx_lp.py::test_planted_drop_invariance_fails_the_endpoint"),
    ("pt-approx-lp", r"^LP\([\d.]+\) <= min\(W1\^X, W1\^\(X/G\) \+ 2 eps\)",
     "tests/test_pt_approx_lp.py::test_planted_bound_without_factor_fails"),
    ("pt-approx-lp", r"^LP_T\([\d.]+\) <= min\(",
     "tests/test_pt_approx_lp.py::test_planted_word_bound_with_m_over_8_fails"),
    ("pt-stab-eps", r"Stab_eps Stab_eps' in Stab_\(eps\+eps'\)|e_\(gh\) <= e_g \+ e_h",
     "tests/test_pt_stab_eps.py::test_planted_closure_into_max_has_violating_pairs"),
    ("pt-stab-eps", r"e_\(g\^-1\) = e_g|Stab\^-1 in Stab",
     "tests/test_pt_stab_eps.py::test_planted_non_invariant_measure_breaks_symmetry"),
    ("pt-stab-eps", r"^rolls = the action|e in Stab_eps: e_e = 0",
     "tests/test_pt_stab_eps.py::test_planted_mis_indexed_action_fails"),
    ("pt-lip-w1", r"^\(a\) .*LP over invariant 1-Lip = W1 on X/G|^\(b\) kernel",
     "tests/test_pt_wasserstein.py::test_lip_planted_errors_fail"),
    ("pt-cover-bound", r"E W1\^\(X/G\) <= min_delta",
     "tests/test_pt_cover.py::test_bound_planted_tenfold_error_fails"),
    ("pt-cover-lift", r"lifted quotient cover: covering radius <= delta",
     "tests/test_pt_cover.py::test_lift_planted_missing_element_reports_uncovered_points"),
    # -- equivariant CNPs -------------------------------------------------------------------
    ("equivcnp-encoder", r"Enc\(gZ\)\(gt\) = Enc\(Z\)\(t\)",
     "tests/test_equivcnp_exact.py::test_encoder_negative_controls_fail_the_sharp_check"),
    ("equivcnp-encoder", r"Enc\(pi Z\) = Enc\(Z\) \(L1\)$",
     "tests/test_equivcnp_exact.py::test_encoder_broken_pairs_fail_every_permutation_check"),
    ("equivcnp-multiplicity", r"K = 1: max",
     "tests/test_equivcnp_exact.py::test_multiplicity_values_and_planted_claim"),
    ("equivcnp-multiplicity", r"K = [12]: max|K = 2 separates|phi\(y\) = (y|\(1, y\)): max",
     "tests/test_equivcnp_exact.py::test_multiplicity_planted_encoders_fail"),
    ("equivcnp-lie", r"^SE\(2\): (exp\(log u\) = u|log\(exp a\) = a)",
     "tests/test_equivcnp_exact.py::test_lie_planted_se2_log_sign_flip_fails_only_se2"),
    ("equivcnp-lie", r"^(T\(2\)|SO\(2\)|SE\(2\)|RxSO\(2\)): ",
     "tests/test_equivcnp_exact.py::test_lie_planted_law_or_log_fails_every_group"),
    # (the controls run the same metric on a model with an absolute-coordinate channel, so
    # they are the planted error of the equivariance checks themselves)
    ("equivcnp-model", r"M\(gZ\)\(g x_t\)",
     "tests/test_equivcnp_models.py::test_absolute_coordinate_channel_fails_the_sharp_check"),
    ("equivcnp-shift-exact", r"^ConvCNP ",
     "tests/test_equivcnp_models.py::test_absolute_coordinate_channel_fails_the_sharp_check"),
    ("equivcnp-shift-exact", r"^true-kernel GP oracle",
     "tests/test_equivcnp_models.py::test_shift_exact_planted_non_stationary_oracle_fails"),
    *[(slug, r"^negative control", "tests/test_equivcnp_models.py::"
       "test_negative_control_bound_fails_when_the_control_is_not_broken")
      for slug in ("equivcnp-encoder", "equivcnp-model", "equivcnp-shift-exact")],
    ("equivcnp-grid", r"grid features of Z \+ mh = rolled by m",
     "tests/test_equivcnp_models.py::test_grid_off_by_one_roll_fails_and_rate_is_second_order"),
    ("equivcnp-grid", r"M\(Z \+ mh\)\(t \+ mh\) = M\(Z\)\(t\)$",
     "tests/test_equivcnp_models.py::test_grid_planted_target_offset_fails_the_output_checks"),
    # -- cloning ----------------------------------------------------------------------------
    ("clone-teacher", r": max_g relative error$",
     "tests/test_clone_exact.py::test_teacher_passes_and_a_planted_bias_fails_every_teacher"),
    ("clone-bound", r"^tight: .*: eq err <= clone\(gx\) \+ clone\(x\)$",
     "tests/test_clone_exact.py::test_bound_holds_is_tight_and_the_max_variant_fails"),
    ("clone-bound", r"^(random linear|min-norm LS clone, N=\d+), .*: eq err <= clone",
     "tests/test_clone_exact.py::"
     "test_bound_halved_fails_for_the_linear_students_not_for_the_loose_mlp"),
    ("clone-linear", r"mean clone error = 1 - N/d$|: clone error",
     "tests/test_clone_exact.py::test_linear_passes_and_the_off_by_one_law_fails"),
    ("clone-bilinear", r"rank deficit|: eq error for unseen tau \(worst shift\)",
     "tests/test_clone_exact.py::test_bilinear_passes_and_an_off_by_one_threshold_fails"),
    ("clone-linear", r": min eq error > |: mean eq error \(exactly equivariant\)$",
     "tests/test_clone_exact.py::test_linear_lower_bound_and_deficit_plants"),
    ("clone-bilinear", r": eq error for unseen tau > ",
     "tests/test_clone_exact.py::test_bilinear_lower_bound_plant"),
    ("clone-retain-break", r"^frozen clone: logits shift-invariant",
     "tests/test_clone_trend.py::test_retain_break_sharp_invariance_and_qualitative_claims"),
    # -- Wang et al. ------------------------------------------------------------------------
    ("wang-reg-lb", r"^test error of C\d-invariant LS",
     "tests/test_wang.py::test_reg_planted_c2_orbit_mean_fails"),
]

#: Asserted checks without a planted-error test yet: slug -> (why, [regex, ...]).  Known debt,
#: listed in the README; generated from the checks of the quick runs.  In a pattern, #
#: stands for a number.
UNPLANTED: dict[str, tuple[str, list[str]]] = {
    "bk-symmetrise": (
        (
            "layer-intertwining residuals and the non-equivariance margin of the random f: no"
            " test plants a broken block permutation"
        ),
        [
            r"^#-layer, invariant: f itself is not equivariant$",
            r"^#-layer, invariant: layer # W' rho_in = rho_out W', rho_out b' = b'$",
            r"^#-layer, equivariant \(rho_L = swap\): f itself is not equivariant$",
            r"^#-layer, equivariant \(rho_L = swap\): layer # W' rho_in = rho_out W', rho_out b' =",
            r"^C# \(equivariant\): f equivariant, so f_sym = f$",
            r"^C# \(equivariant\): layer # W' rho_in = rho_out W', rho_out b' = b'$",
        ]),
    "bk-two-layer": (
        (
            "analyser residuals, signs and the recovered rho1: the weight-perturbation plant "
            "asserts only the equivariance and correspondence checks"
        ),
        [
            r"^invariant: \(i\) rows, \(ii\) out-weights, \(iii\) subset sum$",
            r"^invariant: \|W# rho# - rho# W#\|$",
            r"^invariant: \|rho# b# - b#\|$",
            r"^invariant: signs all \+# \(count of -#\)$",
            r"^invariant: rho# = scrambled truth$",
            r"^equivariant \(rho# = swap\): \(i\) rows, \(ii\) out-weights, \(iii\) subset sum$",
            r"^equivariant \(rho# = swap\): \|W# rho# - rho# W#\|$",
            r"^equivariant \(rho# = swap\): \|rho# b# - b#\|$",
            r"^equivariant \(rho# = swap\): signs all \+# \(count of -#\)$",
            r"^equivariant \(rho# = swap\): rho# = scrambled truth$",
        ]),
    "bk-counterexample": (
        (
            "the analyser's pi, signs, cosines, width-6 realisation and the sigma identities:"
            " only the symbolic invariance has a plant"
        ),
        [
            r"^statement: \\sigma\(z\) - \\sigma\(-z\) = z \(SymPy\)$",
            r"^statement: \\sigma\(z\) = z/# \+ Abs\(z\)/# \(SymPy\)$",
            r"^C# \(b\): max_i \(# - best positive cos\) = # - #/sqrt#$",
            r"^C# \(b\): every row's best positive cos = #/sqrt#$",
            r"^C# \(c\): analyser pi = \(#, #, #\)$",
            r"^C# \(c\): signs \(-,-,-\) \(count of \+#\)$",
            r"^C# \(c\): \(i\)-\(iii\) residuals incl\. subset sum$",
            r"^C# \(c\): verdict 'signed' \(not layerwise\)$",
            r"^C# \(d\): \|f_# - f\|$",
            r"^C# \(d\): positive match # - cos$",
            r"^C# \(d\): \|W# rho# - rho# W#\|, \|a rho# - a\|$",
            r"^C# \(d\): rho# is a permutation and an involution$",
            r"^C# \(a\): invariance \|f\(P x\) - f\(x\)\|$",
            r"^C# \+ # layerwise units: invariance \|f\(P x\) - f\(x\)\|$",
            r"^C# \+ # layerwise units: signs \(-,-,-,\+,\.\.,\+\) \(count of wrong signs\)$",
            r"^C# \+ # layerwise units: \(i\)-\(iii\) residuals$",
            r"^C# \+ # layerwise units: verdict 'signed' \(not layerwise\)$",
        ]),
    "bk-cnn-flip": (
        (
            "the involution F(F(theta)) = theta, the loss identity and the MLP flip: the "
            "head-reindex plant reaches only the CNN flip"
        ),
        [
            r"^CNN #-#: F\(F\(theta\)\) = theta \(max abs\)$",
            r"^CNN #-#: L\(theta\) - L\(F theta\) on the flip-closed test set$",
            r"^MLP #x#: max\|f_Ftheta\(x\) - f_theta\(flip x\)\| / max\(#, max\|f\|\)$",
        ]),
    "bk-flip-match": (
        (
            "the weight-cost symmetry, involution fraction, midpoint invariance and LSA tie: "
            "the train-only plant reaches the activation cost"
        ),
        [
            r"^MLP #x#: weight cost max\|C - C\^T\| / max\(#, max\|C\|\) \(involutive Pi\)$",
            r"^MLP #x#: involution matcher returns involutions \(fraction\)$",
            r"^MLP #x#: midpoint invariance error, involutive Pi \(activation\)$",
            r"^MLP #x#: midpoint invariance error, involutive Pi \(weight\)$",
            r"^MLP #x#: LSA value of sigma minus that of sigma\^-#$",
            r"^CNN #-#: weight cost max\|C - C\^T\| / max\(#, max\|C\|\) \(involutive Pi\)$",
            r"^CNN #-#: involution matcher returns involutions \(fraction\)$",
            r"^CNN #-#: midpoint invariance error, involutive Pi \(activation\)$",
            r"^CNN #-#: midpoint invariance error, involutive Pi \(weight\)$",
            r"^CNN #-#: LSA value of sigma minus that of sigma\^-#$",
        ]),
    "bk-relu-commute": (
        "the 'does not commute (>= 0.1)' margins and the sigma(cz) identity",
        [
            r"^relu: -I does not commute \(>= #\)$",
            r"^relu: signed permutation does not commute \(>= #\)$",
            r"^relu: random A does not commute \(>= #\)$",
            r"^tanh: diag\(#, #, \.\.\) does not commute \(>= #\)$",
            r"^statement: sigma\(c z\) = c sigma\(z\) at PD's scales$",
        ]),
    "bk-deep-recovery": (
        (
            "intertwining, match and recovered-rep residuals: the negative-scale plant "
            "reaches only the sign check"
        ),
        [
            r"^f\(rho_#\(g\) x\) = f\(x\), all g in C#$",
            r"^layer #, g = r\^#: \|W rho_prev - rho W\|, \|rho b - b\|$",
            r"^output layer, g = r\^#: \|W rho_prev - rho W\|, \|rho b - b\|$",
            r"^layer #, g = r\^#: match # - \|cos\|$",
            r"^layer #, g = r\^#: recovered = P D rho D\^-# P\^T$",
            r"^layer #: rho\(r\)\^# = rho\(r\^#\)$",
            r"^layer #: rho\(r\)\^# = I$",
        ]),
    "bk-perm-rep": (
        (
            "the fixed-vector conjugator, permutation roundings and cycle log-scales: the "
            "planted scale reaches the cycle residual"
        ),
        [
            r"^layer #: \|sum of log-scales around each cycle of rho\(r\)\|$",
            r"^layer #, g = r\^#: round\(T rho T\^-#\) is a permutation \(cycle\)$",
            r"^layer #, g = r\^#: \|T rho T\^-# - round\| \(fixed vector\)$",
            r"^layer #, g = r\^#: round\(T rho T\^-#\) is a permutation \(fixed vector\)$",
        ]),
    "bk-signed-random": (
        "the equivariance and (i)-(iii) residual maxima and the tanh nets",
        [
            r"^max residual of \(i\)-\(iii\)$",
            r"^max equivariance residual \|f\(P x\) - rho# f\(x\)\|$",
            r"^tanh net #: invariance$",
            r"^tanh net #: W rho# = rho# W, a rho# = a, tanh commutes$",
            r"^tanh net #: the same weights with ReLU are not invariant$",
        ]),
    "clone-bound": (
        (
            "the triangle bound on the random tanh MLP (slack ~4.8: a halved bound still "
            "passes), and the tight case's equality"
        ),
        [
            r"^random tanh MLP, C#\[#\]: eq err <= clone\(gx\) \+ clone\(x\)$",
            r"^tight: Gamma \+ # u, C#\[#\]: equality$",
        ]),
    "clone-bilinear": (
        "|T - T_conv|",
        [
            r"^n=# N=#: max \|T - T_conv\|$",
        ]),
    "pt-approx-sup": (
        "the 'A_sup > 1e-7 at the left neighbour' margin",
        [
            r"^C# A_sup > #e-# at the left neighbour eps = #$",
            r"^S# A_sup > #e-# at the left neighbour eps = #$",
        ]),
    "pt-approx-lp": (
        (
            "the lower bounds, monotonicity, the eps_red endpoint and the chain-metric "
            "transport identities"
        ),
        [
            r"^LP\(eps_red = #\) = W#\^X \(invariance constraints implied\)$",
            r"^LP\(#\) >= W#\^\(X/G\)$",
            r"^LP\(#\) = transport cost under the chain metric d_eps$",
            r"^LP\(#\) <= LP\(#\)$",
            r"^LP_T\(#\) = W#\^\(X/G\) \(T=\{#\}, m=#: invariance from generators\)$",
            r"^LP_T\(#\) >= LP\(#\)$",
            r"^LP_T\(#\) = transport cost under its chain metric$",
        ]),
    "pt-cover-lift": (
        "the centre count <= |G| N(X/G) and the X-cover read in d_X/G",
        [
            r"^C# delta=#: lifted centres <= \|G\| N\(X/G\)$",
            r"^C# delta=#: the X-cover read in d_X/G: covering radius <= delta \(# points uncovere",
            r"^Z#\^# delta=#: lifted centres <= \|G\| N\(X/G\)$",
            r"^Z#\^# delta=#: the X-cover read in d_X/G: covering radius <= delta \(# points uncov",
            r"^S# delta=#: lifted centres <= \|G\| N\(X/G\)$",
            r"^S# delta=#: the X-cover read in d_X/G: covering radius <= delta \(# points uncovere",
        ]),
    "pt-reynolds": (
        "dim E by characters = rank Phi and the odd-f identity e_g(pi) = 2 dist",
        [
            r"^C#:perm->inv dim E \(characters\) = rank Phi$",
            r"^C#:perm->equ dim E \(characters\) = rank Phi$",
            r"^D#:rot->equ dim E \(characters\) = rank Phi$",
            r"^D#:perm->inv dim E \(characters\) = rank Phi$",
            r"^S#:perm->equ dim E \(characters\) = rank Phi$",
            r"^Z#\^#:diag->inv dim E \(characters\) = rank Phi$",
            r"^C#:rot->equ dim E \(characters\) = rank Phi$",
            r"^C#:rot->inv dim E \(characters\) = rank Phi$",
            r"^C#:rot->inv odd f: e_g\(pi\) = # dist$",
        ]),
    "wang-reg-lb": (
        (
            "the exact-risk identities (orbit mean, V_G) and the lower bounds on the fitted "
            "and random invariant models"
        ),
        [
            r"^exact risk of C#-invariant LS >= eta\^# \(lower bound\)$",
            r"^exact risk of the orbit mean Phi f = eta\^#$",
            r"^uniform orbit variance V_G = eta\^# \(exact, invariant mu\)$",
            r"^exact risk of Phi f \+ t u >= eta\^#, t/eta=#$",
        ]),
}
