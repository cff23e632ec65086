"""Operations on real clusters and repositories: apply and roll through kops, the GitLab
pipeline, importing existing clusters. Each module is imported by the command that uses it."""
