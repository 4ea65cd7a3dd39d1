"""Areas (district, street, community) and the units that handle tickets."""
