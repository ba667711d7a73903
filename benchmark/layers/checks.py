"""Shape checks shared by the layers: readable ValueErrors instead of deep shape errors."""

from __future__ import annotations


def check_token_width(hidden_dim: int, input_shape) -> None:
    """Tokens must be exactly `hidden_dim` wide (the residual stream's width)."""
    if input_shape[-1] != hidden_dim:
        raise ValueError(
            f"hidden_dim={hidden_dim} does not match the token width {input_shape[-1]}"
        )
