"""The reward model (Bradley-Terry), best-of-n and the DPO loss: playground/lifecycle/reward.py."""
import json
import math

import numpy as np
import pytest
import torch

from playground.lifecycle import reward


def test_bradley_terry_loss_equals_a_hand_computation():
    r_chosen, r_rejected = torch.tensor([2.0, 0.5]), torch.tensor([1.0, 1.5])
    # -log sigmoid(d) = log(1 + e^-d), for d = 1 and d = -1
    hand = (math.log(1 + math.exp(-1)) + math.log(1 + math.exp(1))) / 2
    assert reward.bradley_terry_loss(r_chosen, r_rejected).item() == pytest.approx(hand, rel=1e-6)
    # stable far from zero: a huge margin costs nothing, a huge wrong one costs the margin
    assert reward.bradley_terry_loss(torch.tensor([200.0]), torch.tensor([0.0])).item() == pytest.approx(0)
    assert reward.bradley_terry_loss(torch.tensor([0.0]), torch.tensor([200.0])).item() == pytest.approx(200)


def test_dpo_loss_equals_a_hand_computation():
    # log-probabilities of the chosen / rejected answers under the policy and the reference
    loss, terms = reward.dpo_loss([-10.0, -8.0], [-12.0, -7.0], [-11.0, -8.0], [-11.0, -8.0], beta=0.1)
    chosen = [0.1 * (-10 + 11), 0.1 * (-8 + 8)]            # beta (log pi - log pi_ref)
    rejected = [0.1 * (-12 + 11), 0.1 * (-7 + 8)]
    margins = [c - r for c, r in zip(chosen, rejected)]   # 0.2, -0.1
    hand = [math.log(1 + math.exp(-m)) for m in margins]
    np.testing.assert_allclose(terms.chosen_rewards, chosen)
    np.testing.assert_allclose(terms.rejected_rewards, rejected)
    np.testing.assert_allclose(terms.margins, margins)
    np.testing.assert_allclose(terms.losses, hand)
    assert loss.item() == pytest.approx(sum(hand) / 2) == terms.loss
    assert terms.accuracy == 0.5


def test_dpo_loss_is_log_2_when_the_policy_is_the_reference_and_its_gradient_favours_chosen():
    pc = torch.tensor([-5.0], requires_grad=True)
    pr = torch.tensor([-6.0], requires_grad=True)
    loss, _ = reward.dpo_loss(pc, pr, torch.tensor([-5.0]), torch.tensor([-6.0]), beta=0.5)
    assert loss.item() == pytest.approx(math.log(2))
    loss.backward()
    # d loss / d pc = -beta * sigmoid(-0) = -0.25: raising log pi(chosen) lowers the loss
    assert pc.grad.item() == pytest.approx(-0.25) and pr.grad.item() == pytest.approx(0.25)


def test_preference_file_is_bilingual_with_a_held_out_split():
    doc = json.loads(reward.DATA.read_text(encoding="utf-8"))
    assert "written by hand" in doc["_how_made"].lower()
    train, test = reward.pairs("train"), reward.pairs("test")
    assert len(test) >= 12 and len(train) >= 3 * len(test) - 1
    assert {p.lang for p in test} == {"es", "en"}
    assert not {p.prompt for p in train} & {p.prompt for p in test}
    assert all(len(e["candidates"]) >= 2 for e in reward.best_of_n_examples())


@pytest.fixture(scope="module")
def run():
    return reward.train()


def test_reward_model_orders_held_out_pairs_better_than_chance(run):
    assert run.train_accuracy >= 0.9
    assert run.test_accuracy >= 0.7                      # chance: 0.5
    assert run.test_accuracy == reward.ordered(run.model.margins("test"))
    assert run.losses[-1] < run.losses[0] < math.log(2) + 0.05   # starts near log 2


def test_score_and_margins_agree(run):
    pair = reward.pairs("test")[0]
    chosen, rejected = run.model.score(pair.prompt, [pair.chosen, pair.rejected])
    assert chosen - rejected == pytest.approx(run.test_margins[0], abs=1e-4)


def test_best_of_n_picks_the_highest_reward_and_never_a_rude_or_evasive_answer(run):
    for example in reward.best_of_n_examples():
        scores, best = reward.best_of_n(run.model, example["prompt"], example["candidates"])
        assert best == int(np.argmax(scores))
        assert best in (0, 1)         # the written candidates 2 and 3 are rude or evasive
