/** The citizen page's messages in French (the source of its keys; namespace "citizen"). */
export const fr = {
  title: "Mon dossier",
  intro: "Ce que les registres de la protection sociale savent de vous et de votre ménage, et qui l'a consulté.",
  loading: "Chargement de votre dossier…",
  failed: "Votre dossier n'a pas pu être chargé : {{reason}}",
  missing: "Aucun dossier ne correspond à votre identifiant.",
  access: {
    title: "Qui a consulté mes données",
    intro:
      "Chaque consultation de vos données par une administration est enregistrée, avec sa finalité. Vos propres consultations ne sont pas listées.",
    none: "Personne n'a encore consulté vos données.",
    at: "Date",
    agency: "Administration",
    purpose: "Finalité",
    kinds: "Données consultées",
    more: "Consultations plus anciennes",
    loading: "Chargement…",
    failed: "La liste des consultations n'a pas pu être chargée : {{reason}}",
    proof: "Preuve",
    proofIntro:
      "Chaque consultation est inscrite dans un journal vérifiable. Sa preuve est un fichier que vous pouvez vérifier hors ligne, depuis le dépôt du projet, avec les clés publiques du service.",
    proofDownload: "Télécharger la preuve",
    proofOf: "de l'entrée {{index}} du journal",
    proofVerify: "Pour la vérifier :",
    proofWitnessed: "Point de contrôle contresigné par le témoin.",
    proofNotWitnessed: "Point de contrôle pas encore contresigné par le témoin.",
    proofPending: "Preuve en attente : la consultation n'est pas encore dans un point de contrôle signé.",
  },
  attestation: {
    title: "Attestation d'éligibilité",
    intro:
      "Une attestation signée par le registre social dit si votre ménage est éligible à un programme, sans montrer votre indice. Elle est valable 24 heures.",
    program: "Programme",
    download: "Télécharger l'attestation",
    downloading: "Préparation…",
    result: "Attestation du {{asOf}} : {{eligible}}, valable jusqu'au {{expiresAt}}.",
    eligible: "éligible",
    notEligible: "non éligible",
    failed: "L'attestation n'a pas pu être obtenue : {{reason}}",
    verifyTitle: "Vérifier l'attestation",
    verify:
      "N'importe qui peut la vérifier hors ligne avec les clés publiques du service ({{jwks}}). Depuis le dépôt du projet :",
  },
};
