"""The pages, by what they are for: a plan's (``plans``), its reviews (``reviews``), the
centre's dashboard (``dashboard``), the administrators' (``accounts``) and the public's
(``public``). Every view declares its permission (``access.requires``)."""
