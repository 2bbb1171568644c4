"""SQL of the repositories, one module per aggregate; values are always bound, never
formatted. The unit of work's own statements (the identity, the maintenance role) are in
``persistence.uow``, the directory's provisioning in ``persistence.seed``, the servers'
bootstrap in ``bulkreg.devstack.postgres``."""
