"""The reviewer console's states, one module per section (queue, claim, templates, promotions, insights, users)."""
